package main

import (
	"context"
	"encoding/json"
	"fmt"

	"smsfail/version"
)

func versionCommand() command {
	return command{name: "version", summary: "print the version, commit, commit time and Go release of this build", run: runVersion}
}

const versionUsage = `Usage: smsfail version [--json]
       smsfail --version

Prints which smsfail this is: its version ("devel" for a build from a
working tree), the commit and the commit's time it was built from, and the
Go release and platform that built it. The workbook's properties, the
mail's X-Mailer header and 'smsfail check' name the same version.

Flags:
`

func runVersion(ctx context.Context, a *app, args []string) error {
	var asJSON bool
	fs := newFlagSet(a, "version", versionUsage, exitCodes(exitDoc{exitOK, "the version is printed"}, exitDocUsage))
	fs.BoolVar(&asJSON, "json", false, "print the version as one JSON object")
	if err := parseFlagsOnly(fs, args); err != nil {
		return err
	}
	v := version.Get()
	if !asJSON {
		_, err := fmt.Fprintln(a.stdout, v)
		return err
	}
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
