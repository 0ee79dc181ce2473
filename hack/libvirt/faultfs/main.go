// vmha-faultfs shows a directory again at a second path through FUSE, and makes that view fail
// on demand: a test host's storage that goes away while the files stay intact for every other
// host. SIGUSR1 fails every lookup, attribute read, open, read, write and directory listing with
// EIO, as a soft-mounted NFS export whose filer is unreachable does; SIGUSR2 heals it; SIGTERM
// unmounts and exits.
//
// Flushes, fsyncs, releases and locks still pass through while failing: a QEMU that pauses or
// migrates a guest whose writes failed syncs a file with nothing dirty, which a real NFS client
// also answers without the filer. Everything else fails.
//
// Usage: vmha-faultfs -pidfile FILE SOURCE MOUNTPOINT (as root; SOURCE must not be under
// MOUNTPOINT, because the loopback reaches it by path).
package main

import (
	"flag"
	"log"
	"os"
	"os/signal"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

type faultable struct {
	fuse.RawFileSystem
	failing *atomic.Bool
}

func (f faultable) Lookup(c <-chan struct{}, h *fuse.InHeader, name string, out *fuse.EntryOut) fuse.Status {
	if f.failing.Load() {
		return fuse.EIO
	}
	return f.RawFileSystem.Lookup(c, h, name, out)
}

func (f faultable) GetAttr(c <-chan struct{}, in *fuse.GetAttrIn, out *fuse.AttrOut) fuse.Status {
	if f.failing.Load() {
		return fuse.EIO
	}
	return f.RawFileSystem.GetAttr(c, in, out)
}

func (f faultable) Open(c <-chan struct{}, in *fuse.OpenIn, out *fuse.OpenOut) fuse.Status {
	if f.failing.Load() {
		return fuse.EIO
	}
	return f.RawFileSystem.Open(c, in, out)
}

func (f faultable) Create(c <-chan struct{}, in *fuse.CreateIn, name string, out *fuse.CreateOut) fuse.Status {
	if f.failing.Load() {
		return fuse.EIO
	}
	return f.RawFileSystem.Create(c, in, name, out)
}

func (f faultable) Read(c <-chan struct{}, in *fuse.ReadIn, buf []byte) (fuse.ReadResult, fuse.Status) {
	if f.failing.Load() {
		return nil, fuse.EIO
	}
	return f.RawFileSystem.Read(c, in, buf)
}

func (f faultable) Write(c <-chan struct{}, in *fuse.WriteIn, data []byte) (uint32, fuse.Status) {
	if f.failing.Load() {
		return 0, fuse.EIO
	}
	return f.RawFileSystem.Write(c, in, data)
}

func (f faultable) OpenDir(c <-chan struct{}, in *fuse.OpenIn, out *fuse.OpenOut) fuse.Status {
	if f.failing.Load() {
		return fuse.EIO
	}
	return f.RawFileSystem.OpenDir(c, in, out)
}

func (f faultable) ReadDir(c <-chan struct{}, in *fuse.ReadIn, out *fuse.DirEntryList) fuse.Status {
	if f.failing.Load() {
		return fuse.EIO
	}
	return f.RawFileSystem.ReadDir(c, in, out)
}

func (f faultable) ReadDirPlus(c <-chan struct{}, in *fuse.ReadIn, out *fuse.DirEntryList) fuse.Status {
	if f.failing.Load() {
		return fuse.EIO
	}
	return f.RawFileSystem.ReadDirPlus(c, in, out)
}

func main() {
	pidfile := flag.String("pidfile", "", "where to write this process's id once mounted")
	flag.Parse()
	if flag.NArg() != 2 {
		log.Fatal("usage: vmha-faultfs -pidfile FILE SOURCE MOUNTPOINT")
	}
	source, mountpoint := flag.Arg(0), flag.Arg(1)
	root, err := fs.NewLoopbackRoot(source)
	if err != nil {
		log.Fatalf("loopback of %s: %v", source, err)
	}
	// Short kernel caches: a fault shows at the next lookup, not a second later.
	timeout := 100 * time.Millisecond
	failing := &atomic.Bool{}
	raw := faultable{fs.NewNodeFS(root, &fs.Options{EntryTimeout: &timeout, AttrTimeout: &timeout}), failing}
	server, err := fuse.NewServer(raw, mountpoint, &fuse.MountOptions{
		AllowOther:  true,
		DirectMount: true,
		FsName:      source,
		Name:        "vmha-faultfs",
	})
	if err != nil {
		log.Fatalf("mount on %s: %v", mountpoint, err)
	}
	go server.Serve()
	if err := server.WaitMount(); err != nil {
		log.Fatalf("mount on %s: %v", mountpoint, err)
	}
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGTERM, syscall.SIGINT)
	if *pidfile != "" {
		if err := os.WriteFile(*pidfile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
			log.Fatalf("pid file: %v", err)
		}
	}
	log.Printf("%s shown at %s", source, mountpoint)
	for s := range signals {
		switch s {
		case syscall.SIGUSR1:
			failing.Store(true)
			log.Printf("failing")
		case syscall.SIGUSR2:
			failing.Store(false)
			log.Printf("healed")
		default:
			if err := server.Unmount(); err != nil {
				// open files (a QEMU still running) keep it busy: detach it instead
				syscall.Unmount(mountpoint, syscall.MNT_DETACH)
			}
			return
		}
	}
}
