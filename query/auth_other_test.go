//go:build !windows

package query

const windowsAuthenticator = "krb5"
