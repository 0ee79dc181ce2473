// vmha-faultfs shows a directory again at a second path through FUSE, and makes that view fail
// on demand: a test host's storage that goes away, or crawls, while the files stay intact for every
// other host.
//
//   - SIGUSR1: lost. Every lookup, attribute read, open, create, read, write and directory listing
//     fails with EIO, as on a soft-mounted NFS export whose filer is unreachable. Flushes, fsyncs,
//     seeks, releases and locks still pass: a QEMU that pauses a guest whose writes failed syncs a
//     file with nothing dirty, which a real NFS client also answers without the filer.
//   - SIGHUP: slow. Every operation waits -slow (default 7 s) and then succeeds, as on a filer so
//     overloaded that a host's storage monitoring times out while its guests' I/O still completes.
//   - SIGUSR2: healthy again. SIGTERM: unmount and exit.
//
// Usage: vmha-faultfs -pidfile FILE [-slow 7s] SOURCE MOUNTPOINT (as root; SOURCE must not be
// under MOUNTPOINT, because the loopback reaches it by path).
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
	delay   *atomic.Int64 // nanoseconds every operation waits; 0: none
}

// lost says whether a data operation fails; it first waits out the slow mode's delay.
func (f faultable) lost() bool {
	f.crawl()
	return f.failing.Load()
}

func (f faultable) crawl() {
	if d := f.delay.Load(); d > 0 {
		time.Sleep(time.Duration(d))
	}
}

func (f faultable) Flush(c <-chan struct{}, in *fuse.FlushIn) fuse.Status {
	f.crawl()
	return f.RawFileSystem.Flush(c, in)
}

func (f faultable) Fsync(c <-chan struct{}, in *fuse.FsyncIn) fuse.Status {
	f.crawl()
	return f.RawFileSystem.Fsync(c, in)
}

func (f faultable) Lseek(c <-chan struct{}, in *fuse.LseekIn, out *fuse.LseekOut) fuse.Status {
	f.crawl()
	return f.RawFileSystem.Lseek(c, in, out)
}

func (f faultable) Lookup(c <-chan struct{}, h *fuse.InHeader, name string, out *fuse.EntryOut) fuse.Status {
	if f.lost() {
		return fuse.EIO
	}
	return f.RawFileSystem.Lookup(c, h, name, out)
}

func (f faultable) GetAttr(c <-chan struct{}, in *fuse.GetAttrIn, out *fuse.AttrOut) fuse.Status {
	if f.lost() {
		return fuse.EIO
	}
	return f.RawFileSystem.GetAttr(c, in, out)
}

func (f faultable) Open(c <-chan struct{}, in *fuse.OpenIn, out *fuse.OpenOut) fuse.Status {
	if f.lost() {
		return fuse.EIO
	}
	return f.RawFileSystem.Open(c, in, out)
}

func (f faultable) Create(c <-chan struct{}, in *fuse.CreateIn, name string, out *fuse.CreateOut) fuse.Status {
	if f.lost() {
		return fuse.EIO
	}
	return f.RawFileSystem.Create(c, in, name, out)
}

func (f faultable) Read(c <-chan struct{}, in *fuse.ReadIn, buf []byte) (fuse.ReadResult, fuse.Status) {
	if f.lost() {
		return nil, fuse.EIO
	}
	return f.RawFileSystem.Read(c, in, buf)
}

func (f faultable) Write(c <-chan struct{}, in *fuse.WriteIn, data []byte) (uint32, fuse.Status) {
	if f.lost() {
		return 0, fuse.EIO
	}
	return f.RawFileSystem.Write(c, in, data)
}

func (f faultable) OpenDir(c <-chan struct{}, in *fuse.OpenIn, out *fuse.OpenOut) fuse.Status {
	if f.lost() {
		return fuse.EIO
	}
	return f.RawFileSystem.OpenDir(c, in, out)
}

func (f faultable) ReadDir(c <-chan struct{}, in *fuse.ReadIn, out *fuse.DirEntryList) fuse.Status {
	if f.lost() {
		return fuse.EIO
	}
	return f.RawFileSystem.ReadDir(c, in, out)
}

func (f faultable) ReadDirPlus(c <-chan struct{}, in *fuse.ReadIn, out *fuse.DirEntryList) fuse.Status {
	if f.lost() {
		return fuse.EIO
	}
	return f.RawFileSystem.ReadDirPlus(c, in, out)
}

func main() {
	pidfile := flag.String("pidfile", "", "where to write this process's id once mounted")
	slow := flag.Duration("slow", 7*time.Second, "how long every operation waits in the slow mode")
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
	delay := &atomic.Int64{}
	raw := faultable{fs.NewNodeFS(root, &fs.Options{EntryTimeout: &timeout, AttrTimeout: &timeout}), failing, delay}
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
	signal.Notify(signals, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT)
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
		case syscall.SIGHUP:
			delay.Store(int64(*slow))
			log.Printf("slow: every operation waits %s", *slow)
		case syscall.SIGUSR2:
			failing.Store(false)
			delay.Store(0)
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
