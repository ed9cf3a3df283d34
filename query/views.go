package query

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Views each route reads.
var routeViews = map[Route][]string{
	RouteMessages: {"v_StatusMessage", "v_StatMsgAttributes", "v_StatMsgInsStrings",
		"v_Advertisement", "v_Package", "v_Program", "v_Collection", "v_R_System"},
	RouteClientStatus: {"v_ClientAdvertisementStatus", "v_R_System", "v_Advertisement", "v_Package",
		"v_Program", "v_Collection", "v_FullCollectionMembership", "v_StatusMessage", "v_StatMsgAttributes", "v_StatMsgInsStrings"},
}

// MissingViewError says that the site database lacks a view a route needs.
type MissingViewError struct {
	View   string
	Route  Route
	Target string
	Denied bool // the view exists, but the login may not read it
	Err    error
}

func (e *MissingViewError) Error() string {
	if e.Denied {
		return fmt.Sprintf("%s denies reading %s, which route %s needs: give the login a read-only role on the site database (db_datareader, or the site's reporting role): %v",
			e.Target, e.View, e.Route, e.Err)
	}
	hint := ""
	if e.View == "v_ClientAdvertisementStatus" {
		hint = " (it exists from ConfigMgr 2007 on; on SMS 2003 use route messages)"
	}
	return fmt.Sprintf("%s has no view %s, which route %s needs%s", e.Target, e.View, e.Route, hint)
}

func (e *MissingViewError) Unwrap() error { return e.Err }

// Resolve checks that the site has the views a route needs, and turns
// RouteAuto into the route the site supports: client-status where
// v_ClientAdvertisementStatus exists, else messages.
func (db *DB) Resolve(ctx context.Context, route Route) (Route, error) {
	switch route {
	case RouteAuto, "":
		err := db.CheckRoute(ctx, RouteClientStatus)
		var missing *MissingViewError
		if errors.As(err, &missing) && !missing.Denied {
			db.log.Info("site database: taking the status messages route", "reason", err.Error())
			return RouteMessages, db.CheckRoute(ctx, RouteMessages)
		}
		if err != nil {
			return "", err
		}
		return RouteClientStatus, nil
	case RouteMessages, RouteClientStatus:
		return route, db.CheckRoute(ctx, route)
	}
	return "", configErr("route", "%q is not one of messages, client-status, auto", route)
}

// CheckRoute reads nothing from each view the route needs, to prove that
// they exist and that the login may read them.
func (db *DB) CheckRoute(ctx context.Context, route Route) error {
	for _, v := range routeViews[route] {
		err := db.retry(ctx, "checking view "+v, func(ctx context.Context) (bool, error) {
			ctx, cancel := withTimeout(ctx, db.cfg.ConnectTimeout+30*time.Second)
			defer cancel()
			var n int
			return false, sqlx.GetContext(ctx, db.x, &n, fmt.Sprintf(probe, v))
		})
		if err == nil {
			continue
		}
		switch {
		case missingObject(err):
			return &MissingViewError{View: v, Route: route, Target: db.Target(), Err: err}
		case permissionDenied(err):
			return &MissingViewError{View: v, Route: route, Target: db.Target(), Denied: true, Err: err}
		}
		return err
	}
	return nil
}

// missingObject: SQL Server 208 "Invalid object name", SQLite "no such table".
func missingObject(err error) bool {
	var num interface{ SQLErrorNumber() int32 }
	if errors.As(err, &num) {
		return num.SQLErrorNumber() == 208
	}
	return strings.Contains(err.Error(), "no such table")
}

// permissionDenied: SQL Server 229 "The SELECT permission was denied".
func permissionDenied(err error) bool {
	var num interface{ SQLErrorNumber() int32 }
	return errors.As(err, &num) && num.SQLErrorNumber() == 229
}
