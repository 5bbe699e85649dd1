package probe

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// ErrFormat is wrapped by every parse error of a /proc file or a metrics
// page.
var ErrFormat = errors.New("probe: unexpected format")

// ClockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat.
// The kernel exports 100 on every architecture Go supports on Linux
// (sysconf(_SC_CLK_TCK) needs cgo; `getconf CLK_TCK` on the development
// machine says 100).
const ClockTicks = 100

// ProcSample is one reading of a process from /proc. Counters are
// cumulative since the process started; subtract two samples for a rate.
type ProcSample struct {
	// At is when the sample was taken.
	At time.Time `json:"at"`
	// UserCPU and SystemCPU are utime and stime of /proc/<pid>/stat (all
	// threads), with a resolution of 1/ClockTicks s.
	UserCPU   time.Duration `json:"user_cpu_ns"`
	SystemCPU time.Duration `json:"system_cpu_ns"`
	// Threads is the number of OS threads.
	Threads int `json:"threads"`
	// RSS and PeakRSS are VmRSS and VmHWM of /proc/<pid>/status, in bytes.
	RSS     int64 `json:"rss_bytes"`
	PeakRSS int64 `json:"peak_rss_bytes"`
	// VoluntarySwitches and InvoluntarySwitches are the context switches
	// of the main thread (status: voluntary_ctxt_switches, ...).
	VoluntarySwitches   int64 `json:"voluntary_switches"`
	InvoluntarySwitches int64 `json:"involuntary_switches"`
	// ReadSyscalls and WriteSyscalls are syscr and syscw of /proc/<pid>/io:
	// read- and write-class system calls of all threads (read, readv,
	// recvmsg..., write, writev, sendmsg, pwrite...). Zero with IOErr set
	// when the file is not readable (another user's process).
	ReadSyscalls  int64 `json:"read_syscalls"`
	WriteSyscalls int64 `json:"write_syscalls"`
	// ReadBytes and WrittenBytes are rchar and wchar of /proc/<pid>/io:
	// bytes passed to read and write system calls (sockets included).
	ReadBytes    int64 `json:"read_bytes"`
	WrittenBytes int64 `json:"written_bytes"`
	// IOErr is set when /proc/<pid>/io could not be read.
	IOErr string `json:"io_error,omitempty"`
}

// CPU returns user plus system CPU time.
func (s ProcSample) CPU() time.Duration { return s.UserCPU + s.SystemCPU }

// Proc reads processes from a proc file system. The zero value reads
// /proc; tests point Root at a fixture directory. Safe for concurrent use.
type Proc struct {
	// Root is the proc mount point. Empty means "/proc".
	Root string
}

func (p Proc) path(pid int, file string) string {
	root := p.Root
	if root == "" {
		root = "/proc"
	}
	who := "self"
	if pid > 0 {
		who = strconv.Itoa(pid)
	}
	return filepath.Join(root, who, file)
}

// Read samples process pid (0 means the calling process) from its stat,
// status and io files. A missing io file is not an error (IOErr says
// why); missing stat or status files are.
func (p Proc) Read(pid int) (ProcSample, error) {
	s := ProcSample{At: time.Now()}
	stat, err := os.ReadFile(p.path(pid, "stat"))
	if err != nil {
		return s, fmt.Errorf("probe: %w", err)
	}
	if err := ParseStat(stat, &s); err != nil {
		return s, err
	}
	status, err := os.ReadFile(p.path(pid, "status"))
	if err != nil {
		return s, fmt.Errorf("probe: %w", err)
	}
	if err := ParseStatus(status, &s); err != nil {
		return s, err
	}
	io, err := os.ReadFile(p.path(pid, "io"))
	if err != nil {
		s.IOErr = err.Error()
		return s, nil
	}
	if err := ParseIO(io, &s); err != nil {
		return s, err
	}
	return s, nil
}

// ParseStat fills the CPU times and the thread count from the contents of
// /proc/<pid>/stat. The command name (field 2) may contain blanks and
// parentheses, so the fields are counted from the last ')'.
func ParseStat(data []byte, s *ProcSample) error {
	end := bytes.LastIndexByte(data, ')')
	if end < 0 {
		return fmt.Errorf("%w: stat without a command name", ErrFormat)
	}
	// After ") " come fields 3 (state), 4, ...; utime is field 14, stime
	// 15, num_threads 20.
	fields := bytes.Fields(data[end+1:])
	const first = 3
	need := func(field int) (int64, error) {
		i := field - first
		if i >= len(fields) {
			return 0, fmt.Errorf("%w: stat has %d fields, want %d", ErrFormat, len(fields)+first-1, field)
		}
		v, err := strconv.ParseInt(string(fields[i]), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%w: stat field %d: %v", ErrFormat, field, err)
		}
		return v, nil
	}
	utime, err := need(14)
	if err != nil {
		return err
	}
	stime, err := need(15)
	if err != nil {
		return err
	}
	threads, err := need(20)
	if err != nil {
		return err
	}
	s.UserCPU = ticks(utime)
	s.SystemCPU = ticks(stime)
	s.Threads = int(threads)
	return nil
}

func ticks(n int64) time.Duration { return time.Duration(n) * time.Second / ClockTicks }

// ParseStatus fills RSS, peak RSS, threads and context switches from the
// contents of /proc/<pid>/status. VmRSS is required (kernel threads and
// zombies have none, and are not what we measure).
func ParseStatus(data []byte, s *ProcSample) error {
	found := false
	for line := range bytes.Lines(data) {
		key, value, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			continue
		}
		value = bytes.TrimSpace(value)
		switch string(key) {
		case "VmRSS":
			v, err := kilobytes(value)
			if err != nil {
				return err
			}
			s.RSS, found = v, true
		case "VmHWM":
			v, err := kilobytes(value)
			if err != nil {
				return err
			}
			s.PeakRSS = v
		case "Threads":
			v, err := strconv.Atoi(string(value))
			if err != nil {
				return fmt.Errorf("%w: status Threads: %v", ErrFormat, err)
			}
			s.Threads = v
		case "voluntary_ctxt_switches":
			s.VoluntarySwitches, _ = strconv.ParseInt(string(value), 10, 64)
		case "nonvoluntary_ctxt_switches":
			s.InvoluntarySwitches, _ = strconv.ParseInt(string(value), 10, 64)
		}
	}
	if !found {
		return fmt.Errorf("%w: status has no VmRSS", ErrFormat)
	}
	return nil
}

// kilobytes parses "204936 kB" into bytes.
func kilobytes(value []byte) (int64, error) {
	number, unit, _ := bytes.Cut(value, []byte{' '})
	v, err := strconv.ParseInt(string(number), 10, 64)
	if err != nil || (len(unit) > 0 && string(bytes.TrimSpace(unit)) != "kB") {
		return 0, fmt.Errorf("%w: %q is not a size in kB", ErrFormat, value)
	}
	return v << 10, nil
}

// ParseIO fills the system call and byte counters from the contents of
// /proc/<pid>/io.
func ParseIO(data []byte, s *ProcSample) error {
	seen := 0
	for line := range bytes.Lines(data) {
		key, value, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			continue
		}
		v, err := strconv.ParseInt(string(bytes.TrimSpace(value)), 10, 64)
		if err != nil {
			return fmt.Errorf("%w: io %s: %v", ErrFormat, key, err)
		}
		switch string(key) {
		case "syscr":
			s.ReadSyscalls = v
		case "syscw":
			s.WriteSyscalls = v
		case "rchar":
			s.ReadBytes = v
		case "wchar":
			s.WrittenBytes = v
		default:
			continue
		}
		seen++
	}
	if seen < 4 {
		return fmt.Errorf("%w: io lacks rchar, wchar, syscr or syscw", ErrFormat)
	}
	return nil
}

// MachineSample is the whole machine's CPU time from the first line of
// /proc/stat, summed over all CPUs. Busy minus the CPU of the processes we
// run is what other processes took (the machine is shared).
type MachineSample struct {
	// Busy is user+nice+system+irq+softirq+steal; Idle is idle+iowait.
	Busy time.Duration `json:"busy_ns"`
	Idle time.Duration `json:"idle_ns"`
	// Steal is the time the hypervisor ran something else while a CPU of
	// this (virtual) machine wanted to run: a stall no process here
	// caused. Part of Busy.
	Steal time.Duration `json:"steal_ns"`
}

// ReadMachine reads the machine's CPU counters.
func (p Proc) ReadMachine() (MachineSample, error) {
	root := p.Root
	if root == "" {
		root = "/proc"
	}
	data, err := os.ReadFile(filepath.Join(root, "stat"))
	if err != nil {
		return MachineSample{}, fmt.Errorf("probe: %w", err)
	}
	return ParseMachineStat(data)
}

// ParseMachineStat parses the "cpu" line of /proc/stat.
func ParseMachineStat(data []byte) (MachineSample, error) {
	line, _, _ := bytes.Cut(data, []byte{'\n'})
	fields := bytes.Fields(line)
	if len(fields) < 8 || string(fields[0]) != "cpu" {
		return MachineSample{}, fmt.Errorf("%w: /proc/stat does not start with the cpu line", ErrFormat)
	}
	var v [8]int64
	for i := range v {
		n, err := strconv.ParseInt(string(fields[i+1]), 10, 64)
		if err != nil {
			return MachineSample{}, fmt.Errorf("%w: /proc/stat cpu field %d: %v", ErrFormat, i+1, err)
		}
		v[i] = n
	}
	// user nice system idle iowait irq softirq steal
	return MachineSample{Busy: ticks(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]), Idle: ticks(v[3] + v[4]), Steal: ticks(v[7])}, nil
}
