// Command directpv-faultfs serves a directory over FUSE and makes chosen files fail on
// command, so that a loop device backed by such a file behaves like a disk whose media went
// bad: its reads, writes or both return EIO until the fault is cleared.
//
//	directpv-faultfs -backing DIR -mount DIR -control SOCKET
//
// Everything under -mount is a passthrough of -backing, with the page cache bypassed
// (FOPEN_DIRECT_IO), so every read and write of a loop device reaches this process. The
// control socket takes one command per line and answers "ok" or "error: <why>":
//
//	fail NAME read|write|all    make I/O on the file NAME (relative to the root) fail
//	heal NAME                   clear the fault of NAME
//	heal                        clear every fault
//	status                      list the faults in force, one "NAME MODE" a line, then "ok"
//
// SIGINT or SIGTERM unmounts and exits; the mount must not be busy by then.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// faultMode says which operations of a file fail.
type faultMode string

const (
	failRead  faultMode = "read"
	failWrite faultMode = "write"
	failAll   faultMode = "all"
)

// faults holds the fault of each file, by path relative to the root.
type faults struct {
	mu     sync.RWMutex
	byName map[string]faultMode
}

func (f *faults) set(name string, mode faultMode) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.byName[name] = mode
}

func (f *faults) clear(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if name == "" {
		f.byName = map[string]faultMode{}
		return
	}
	delete(f.byName, name)
}

// fails tells whether an operation on the file fails now; write is false for reads.
func (f *faults) fails(name string, write bool) bool {
	f.mu.RLock()
	defer f.mu.RUnlock()
	switch f.byName[name] {
	case failAll:
		return true
	case failRead:
		return !write
	case failWrite:
		return write
	}
	return false
}

func (f *faults) list() []string {
	f.mu.RLock()
	defer f.mu.RUnlock()
	out := make([]string, 0, len(f.byName))
	for name, mode := range f.byName {
		out = append(out, name+" "+string(mode))
	}
	sort.Strings(out)
	return out
}

// node is a loopback node whose files are opened for direct I/O through a faultFile.
type node struct {
	*fs.LoopbackNode
	faults *faults
}

func (n *node) WrapChild(ctx context.Context, ops fs.InodeEmbedder) fs.InodeEmbedder {
	return &node{LoopbackNode: ops.(*fs.LoopbackNode), faults: n.faults}
}

func (n *node) name() string {
	return n.Path(n.Root())
}

func (n *node) wrap(fh fs.FileHandle) fs.FileHandle {
	return &faultFile{inner: fh.(*fs.LoopbackFile), node: n}
}

func (n *node) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	fh, fuseFlags, errno := n.LoopbackNode.Open(ctx, flags)
	if errno != 0 {
		return nil, 0, errno
	}
	return n.wrap(fh), fuseFlags | fuse.FOPEN_DIRECT_IO, 0
}

func (n *node) Create(ctx context.Context, name string, flags, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	child, fh, fuseFlags, errno := n.LoopbackNode.Create(ctx, name, flags, mode, out)
	if errno != 0 {
		return nil, nil, 0, errno
	}
	return child, child.Operations().(*node).wrap(fh), fuseFlags | fuse.FOPEN_DIRECT_IO, 0
}

// faultFile passes I/O to the backing file unless the file's fault says it fails. It does
// not offer a passthrough descriptor, so the kernel sends every request here.
type faultFile struct {
	inner *fs.LoopbackFile
	node  *node
}

func (f *faultFile) fails(write bool) bool {
	return f.node.faults.fails(f.node.name(), write)
}

func (f *faultFile) Read(ctx context.Context, buf []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	if f.fails(false) {
		return nil, syscall.EIO
	}
	return f.inner.Read(ctx, buf, off)
}

func (f *faultFile) Write(ctx context.Context, data []byte, off int64) (uint32, syscall.Errno) {
	if f.fails(true) {
		return 0, syscall.EIO
	}
	return f.inner.Write(ctx, data, off)
}

func (f *faultFile) Fsync(ctx context.Context, flags uint32) syscall.Errno {
	if f.fails(true) {
		return syscall.EIO
	}
	return f.inner.Fsync(ctx, flags)
}

func (f *faultFile) Flush(ctx context.Context) syscall.Errno { return f.inner.Flush(ctx) }

func (f *faultFile) Release(ctx context.Context) syscall.Errno { return f.inner.Release(ctx) }

func (f *faultFile) Getattr(ctx context.Context, out *fuse.AttrOut) syscall.Errno {
	return f.inner.Getattr(ctx, out)
}

func (f *faultFile) Setattr(ctx context.Context, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	return f.inner.Setattr(ctx, in, out)
}

func (f *faultFile) Allocate(ctx context.Context, off, size uint64, mode uint32) syscall.Errno {
	if f.fails(true) {
		return syscall.EIO
	}
	return f.inner.Allocate(ctx, off, size, mode)
}

func (f *faultFile) Lseek(ctx context.Context, off uint64, whence uint32) (uint64, syscall.Errno) {
	return f.inner.Lseek(ctx, off, whence)
}

// command runs one control line and returns the reply lines.
func command(f *faults, line string) []string {
	words := strings.Fields(line)
	switch {
	case len(words) == 3 && words[0] == "fail":
		mode := faultMode(words[2])
		if mode != failRead && mode != failWrite && mode != failAll {
			return []string{fmt.Sprintf("error: unknown mode %q (read, write or all)", words[2])}
		}
		f.set(filepath.Clean(words[1]), mode)
	case len(words) == 2 && words[0] == "heal":
		f.clear(filepath.Clean(words[1]))
	case len(words) == 1 && words[0] == "heal":
		f.clear("")
	case len(words) == 1 && words[0] == "status":
		return append(f.list(), "ok")
	default:
		return []string{fmt.Sprintf("error: unknown command %q", line)}
	}
	return []string{"ok"}
}

func serveControl(l net.Listener, f *faults) {
	for {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer conn.Close()
			lines := bufio.NewScanner(conn)
			for lines.Scan() {
				for _, reply := range command(f, lines.Text()) {
					fmt.Fprintln(conn, reply)
				}
			}
		}()
	}
}

func main() {
	backing := flag.String("backing", "", "directory served (required)")
	mountPoint := flag.String("mount", "", "where to mount it (required)")
	control := flag.String("control", "", "unix socket for fault commands (required)")
	flag.Parse()
	if *backing == "" || *mountPoint == "" || *control == "" {
		fmt.Fprintln(os.Stderr, "Usage: directpv-faultfs -backing DIR -mount DIR -control SOCKET")
		os.Exit(2)
	}
	f := &faults{byName: map[string]faultMode{}}
	root, err := fs.NewLoopbackRoot(*backing)
	if err != nil {
		log.Fatalf("Cannot serve %q: %v", *backing, err)
	}
	top := &node{LoopbackNode: root.(*fs.LoopbackNode), faults: f}
	server, err := fs.Mount(*mountPoint, top, &fs.Options{
		MountOptions: fuse.MountOptions{
			FsName:            "directpv-faultfs",
			Name:              "faultfs",
			DirectMountStrict: true,
			MaxWrite:          1 << 20,
		},
	})
	if err != nil {
		log.Fatalf("Cannot mount at %q: %v", *mountPoint, err)
	}
	_ = os.Remove(*control)
	l, err := net.Listen("unix", *control)
	if err != nil {
		_ = server.Unmount()
		log.Fatalf("Cannot listen on %q: %v", *control, err)
	}
	go serveControl(l, f)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-stop
		l.Close()
		if err := server.Unmount(); err != nil {
			log.Printf("Cannot unmount %q: %v", *mountPoint, err)
			os.Exit(1)
		}
	}()
	fmt.Println("ready")
	server.Wait()
}
