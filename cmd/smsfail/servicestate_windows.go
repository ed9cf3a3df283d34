//go:build windows

package main

import (
	"golang.org/x/sys/windows/registry"
)

// parametersKey holds what the service leaves for 'smsfail service start'
// and 'status' to read: the reason it last stopped on an error. It lies in
// the service's own key, so uninstalling removes it.
const parametersKey = `SYSTEM\CurrentControlSet\Services\` + serviceName + `\Parameters`

const lastErrorValue = "LastError"

// recordLastError keeps the reason the service stops. An account that may
// not write the key leaves the reason in the event log only.
func recordLastError(msg string) {
	k, _, err := registry.CreateKey(registry.LOCAL_MACHINE, parametersKey, registry.SET_VALUE)
	if err != nil {
		return
	}
	defer k.Close()
	_ = k.SetStringValue(lastErrorValue, msg)
}

// clearLastError forgets the reason of an earlier stop.
func clearLastError() {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, parametersKey, registry.SET_VALUE)
	if err != nil {
		return
	}
	defer k.Close()
	_ = k.DeleteValue(lastErrorValue)
}

// lastError is the reason the service last stopped on an error, "" when
// it recorded none.
func lastError() string {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, parametersKey, registry.QUERY_VALUE)
	if err != nil {
		return ""
	}
	defer k.Close()
	msg, _, err := k.GetStringValue(lastErrorValue)
	if err != nil {
		return ""
	}
	return msg
}

// systemGetenv reads the system environment variables, those a service
// gets, rather than this prompt's.
func systemGetenv(name string) string {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, `SYSTEM\CurrentControlSet\Control\Session Manager\Environment`, registry.QUERY_VALUE)
	if err != nil {
		return ""
	}
	defer k.Close()
	v, typ, err := k.GetStringValue(name)
	if err != nil {
		return ""
	}
	if typ == registry.EXPAND_SZ {
		if x, err := registry.ExpandString(v); err == nil {
			return x
		}
	}
	return v
}
