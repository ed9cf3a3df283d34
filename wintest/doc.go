// Package wintest runs the Windows build of smsfail under Wine: the
// command line on C:\ and UNC paths, the lock, the exit codes, the Windows
// service through Wine's service control manager, and the Windows test
// binary of package fetch, whose native UNC source reads Wine's UNC
// folders. It holds tests only, for Linux, where Wine runs; see the
// README's Testing section.
package wintest
