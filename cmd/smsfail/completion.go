package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/pflag"
)

func completionCommand() command {
	return command{name: "completion", summary: "print the shell completion script for bash or PowerShell", run: runCompletion}
}

// completeCommand is what the completion scripts call at every Tab.
func completeCommand() command {
	return command{name: "__complete", hidden: true, run: runComplete}
}

const completionUsage = `Usage: smsfail completion bash|powershell

Prints a script that completes smsfail's commands, flags and their values
(--log-level, --log-format, files for --config) when Tab is pressed. The
script asks smsfail itself, so it stays right after an upgrade.

  bash         source <(smsfail completion bash)
               or, for every shell: smsfail completion bash > /etc/bash_completion.d/smsfail
  PowerShell   smsfail completion powershell | Out-String | Invoke-Expression
               (add the line to $PROFILE to keep it)

Flags:
`

// completionValues is the annotation listing the values a flag takes.
const completionValues = "smsfail_completion_values"

func runCompletion(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet(a, "completion", completionUsage, exitCodes(exitDoc{exitOK, "the script is printed"}, exitDocUsage))
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return commandUsageError("completion", "completion: name one shell: bash or powershell")
	}
	var script string
	switch strings.ToLower(fs.Arg(0)) {
	case "bash":
		script = bashCompletion
	case "powershell", "pwsh":
		script = powershellCompletion
	default:
		return commandUsageError("completion", "completion: %q is not bash or powershell", fs.Arg(0))
	}
	_, err := io.WriteString(a.stdout, script)
	return err
}

// bashCompletion passes the words before the cursor, and the word under
// it behind a colon (so that an empty one survives), to smsfail
// __complete; its first line says what the rest are.
const bashCompletion = `# bash completion for smsfail: source <(smsfail completion bash)
_smsfail() {
    local cur="${COMP_WORDS[COMP_CWORD]}" IFS=$'\n'
    local -a out
    out=($("${COMP_WORDS[0]}" __complete "${COMP_WORDS[@]:1:COMP_CWORD-1}" ":$cur" 2>/dev/null)) || return
    case "${out[0]}" in
    :files) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")) ;;
    :dirs) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur")) ;;
    *) COMPREPLY=("${out[@]:1}") ;;
    esac
}
complete -F _smsfail smsfail smsfail.exe
`

// powershellCompletion does the same for PowerShell; returning nothing
// lets PowerShell complete file names itself.
const powershellCompletion = `# PowerShell completion for smsfail:
#   smsfail completion powershell | Out-String | Invoke-Expression
Register-ArgumentCompleter -Native -CommandName 'smsfail', 'smsfail.exe' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $elements = $commandAst.CommandElements
    $words = @()
    for ($i = 1; $i -lt $elements.Count; $i++) {
        if ($elements[$i].Extent.EndOffset -ge $cursorPosition) { break }
        $words += $elements[$i].Extent.Text
    }
    $out = @(& $elements[0].Extent.Text __complete @words ":$wordToComplete" 2>$null)
    if ($out.Count -eq 0 -or $out[0] -ne ':words') { return }
    $out | Select-Object -Skip 1 | ForEach-Object {
        [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
    }
}
`

// runComplete answers a completion script: args are the words before the
// cursor and, last, ":" and the word under it. It prints ":words" and the
// candidates, or ":files" or ":dirs" for the shell to complete names.
func runComplete(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 || !strings.HasPrefix(args[len(args)-1], ":") {
		return usageError("__complete is the completion scripts' helper: see 'smsfail completion --help'")
	}
	cur := strings.TrimPrefix(args[len(args)-1], ":")
	kind, words := complete(ctx, args[:len(args)-1], cur)
	var matches []string
	for _, w := range words {
		if strings.HasPrefix(w, cur) {
			matches = append(matches, w)
		}
	}
	_, err := fmt.Fprintln(a.stdout, strings.Join(append([]string{kind}, matches...), "\n"))
	return err
}

// complete gives the candidates for the word cur after the words before.
func complete(ctx context.Context, before []string, cur string) (kind string, words []string) {
	if len(before) == 0 {
		if strings.HasPrefix(cur, "-") {
			return ":words", []string{"--help", "--version"}
		}
		return ":words", commandNames()
	}
	name := before[0]
	switch name {
	case "help":
		if len(before) == 1 {
			return ":words", commandNames()
		}
		return ":words", nil
	case "completion":
		return ":words", []string{"bash", "powershell"}
	}
	fs := commandFlags(ctx, name)
	if fs == nil {
		return ":words", nil
	}
	if f := valueOf(fs, before[len(before)-1]); f != nil {
		return flagValues(f)
	}
	if strings.HasPrefix(cur, "-") {
		return ":words", flagNames(fs)
	}
	switch name {
	case "classify":
		return ":files", nil
	case "service":
		if len(before) == 1 {
			return ":words", []string{"install", "uninstall", "start", "stop"}
		}
	}
	return ":words", flagNames(fs)
}

// commandNames are the commands the help lists.
func commandNames() []string {
	var names []string
	for _, c := range commands() {
		if !c.hidden {
			names = append(names, c.name)
		}
	}
	return append(names, "help")
}

// commandFlags is the flag set of the command name, nil for an unknown
// command or one without flags here (service outside Windows).
func commandFlags(ctx context.Context, name string) *pflag.FlagSet {
	var fs *pflag.FlagSet
	sub := &app{stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" },
		describe: func(f *pflag.FlagSet) { fs = f }}
	for _, c := range commands() {
		if c.name == name && !c.hidden {
			var args []string
			if name == "service" {
				args = []string{"install"} // its flags follow the action
			}
			_ = c.run(ctx, sub, args)
		}
	}
	return fs
}

// valueOf is the flag that word names when it waits for a value.
func valueOf(fs *pflag.FlagSet, word string) *pflag.Flag {
	if !strings.HasPrefix(word, "-") || strings.Contains(word, "=") {
		return nil
	}
	var f *pflag.Flag
	if name := strings.TrimLeft(word, "-"); len(name) > 1 {
		f = fs.Lookup(name)
	} else if len(name) == 1 {
		f = fs.ShorthandLookup(name)
	}
	if f == nil || f.NoOptDefVal != "" {
		return nil // not a flag, or one that takes no value (a switch)
	}
	return f
}

// flagValues completes a flag's value: the values it lists, else file or
// folder names when its value is one.
func flagValues(f *pflag.Flag) (string, []string) {
	if v, ok := f.Annotations[completionValues]; ok {
		return ":words", v
	}
	placeholder, _ := pflag.UnquoteUsage(f)
	switch strings.ToLower(placeholder) {
	case "file", "path":
		return ":files", nil
	case "folder":
		return ":dirs", nil
	}
	return ":words", nil
}

// flagNames are the command's flags as typed: --name.
func flagNames(fs *pflag.FlagSet) []string {
	var names []string
	fs.VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			names = append(names, "--"+f.Name)
		}
	})
	slices.Sort(names)
	return append(names, "--help")
}
