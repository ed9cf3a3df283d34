package query

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
		alt := ""
		if r := Alternative(e.Route, e.View); r != "" {
			alt = fmt.Sprintf(", or set database.route to %s, which does not read it", r)
		}
		return fmt.Sprintf("%s denies reading %s, which route %s needs: give the login a read-only role on the site database (db_datareader, or the site's reporting role)%s: %v",
			e.Target, e.View, e.Route, alt, e.Err)
	}
	hint := ""
	if e.View == "v_ClientAdvertisementStatus" {
		hint = " (it exists from ConfigMgr 2007 on)"
	}
	if alt := Alternative(e.Route, e.View); alt != "" {
		hint += fmt.Sprintf("; route %s does not read it: set database.route to %s", alt, alt)
	}
	return fmt.Sprintf("%s has no view %s, which route %s needs%s", e.Target, e.View, e.Route, hint)
}

// Alternative names the route that does without a view route needs, or
// "" when the other route needs it too.
func Alternative(route Route, view string) Route {
	for _, r := range []Route{RouteMessages, RouteClientStatus} {
		if r != route && !slices.Contains(routeViews[r], view) {
			return r
		}
	}
	return ""
}

// ViewState is whether the login can read one view, and which routes
// read it.
type ViewState struct {
	View   string
	Routes []Route
	Err    error // nil when readable; a *MissingViewError when missing or denied
}

// Views reads nothing from every view a route may read, to name each and
// say whether it is readable, the views of route messages first.
func (db *DB) Views(ctx context.Context) []ViewState {
	var out []ViewState
	for _, r := range []Route{RouteMessages, RouteClientStatus} {
		for _, v := range routeViews[r] {
			if slices.ContainsFunc(out, func(s ViewState) bool { return s.View == v }) {
				continue
			}
			s := ViewState{View: v, Err: db.probeView(ctx, r, v)}
			for _, rr := range []Route{RouteMessages, RouteClientStatus} {
				if slices.Contains(routeViews[rr], v) {
					s.Routes = append(s.Routes, rr)
				}
			}
			out = append(out, s)
		}
	}
	return out
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
		if err := db.probeView(ctx, route, v); err != nil {
			return err
		}
	}
	return nil
}

// probeView reads nothing from one view route needs.
func (db *DB) probeView(ctx context.Context, route Route, v string) error {
	err := db.retry(ctx, "checking view "+v, func(ctx context.Context) (bool, error) {
		ctx, cancel := withTimeout(ctx, db.cfg.ConnectTimeout+30*time.Second)
		defer cancel()
		var n int
		return false, sqlx.GetContext(ctx, db.x, &n, fmt.Sprintf(probe, v))
	})
	switch {
	case err == nil:
		return nil
	case missingObject(err):
		return &MissingViewError{View: v, Route: route, Target: db.Target(), Err: err}
	case permissionDenied(err):
		return &MissingViewError{View: v, Route: route, Target: db.Target(), Denied: true, Err: err}
	}
	return err
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
