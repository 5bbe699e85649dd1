// Package cluster runs presenced as one node of a cluster on NATS and
// JetStream (docs/CLUSTER.md): every contact has one owner node, chosen by
// rendezvous hashing over the live members; the owner applies the contact's
// inputs and publishes its snapshots on the contact's subject, which the
// nodes with local watchers of the contact subscribe to once per node;
// user-set state (rights, challenges, absent states, notes, images) is
// durable in a JetStream key-value bucket. Membership is a second bucket
// of heartbeats with a lease.
//
// The engine does not know about NATS: this package plugs into its seam
// (engine.Router, engine.Hooks, ApplyReplica, ApplyChange, RebaseVersion).
package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/puzpuzpuz/xsync/v3"

	"github.com/ucpresence/presence/engine"
)

// Config configures a Node.
type Config struct {
	// URL is the NATS server URL list ("nats://127.0.0.1:4222"). Required.
	URL string
	// NodeID names this node: letters, digits, '-' and '_'. Required; two
	// live nodes must not share one.
	NodeID string
	// Engine is this node's engine, with the directory applied. Required.
	Engine *engine.Engine
	// Prefix starts every subject and bucket name, so clusters can share a
	// NATS server. Empty means "presence".
	Prefix string
	// Heartbeat is how often the node renews its membership. Zero means 1 s.
	Heartbeat time.Duration
	// Lease is how long a member stays live after its last heartbeat. Zero
	// means 3 heartbeats: a dead node's contacts are re-owned 3-4 s after
	// its last heartbeat with the defaults.
	Lease time.Duration
	// RequestTimeout bounds one request to another node. Zero means 2 s.
	RequestTimeout time.Duration
	// ForwardDeadline bounds the retries of a forwarded input while
	// ownership moves (no responder, timeout, "not the owner"). Zero means
	// 3 leases.
	ForwardDeadline time.Duration
	// Replicas is the JetStream replication of the buckets (1 for a single
	// NATS server, 3 for a NATS cluster). Zero means 1.
	Replicas int
	// Logger receives membership changes. Nil means slog.Default().
	Logger *slog.Logger
}

var nodeIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ErrNotOwner is returned by a node asked to apply an input of a contact it
// does not own (the views of membership differ for a moment); the sender
// retries until ForwardDeadline.
var ErrNotOwner = errors.New("cluster: not the owner of the contact")

// Node is one cluster member. Its methods are safe for concurrent use.
type Node struct {
	cfg    Config
	id     string
	engine *engine.Engine
	log    *slog.Logger
	nc     *nats.Conn
	js     jetstream.JetStream
	state  jetstream.KeyValue // user-set state
	member jetstream.KeyValue // membership heartbeats

	// view is the current membership (sorted live node ids).
	view atomic.Pointer[view]
	// seen maps member id -> time of its last heartbeat (server clock).
	seenMu sync.Mutex
	seen   map[string]time.Time

	// ownership serialises a change of ownership (write) against inputs
	// applied as owner and interest requests (read), so a new owner has
	// restored a contact before it applies anything to it.
	ownership sync.RWMutex
	owned     map[string]bool // guarded by ownership (write) : contacts owned in the applied view

	// interest: contacts local watchers subscribed to (sticky), with the
	// NATS subscription of each.
	interest *xsync.MapOf[string, *nats.Subscription]
	// interestMu serialises registering interest (subscribing); inflight
	// holds, per contact whose owner's snapshot is being fetched, a
	// channel closed when that fetch ended: a second watcher subscribing
	// meanwhile waits for it instead of reading the local placeholder
	// (offline, no lines).
	interestMu sync.Mutex
	inflight   map[string]chan struct{}
	replicaIn  chan *nats.Msg
	// remote: contacts another node asked this node for as their owner
	// (kept when the contact moves away: interest is sticky, and the
	// publisher sends only what this node owns).
	remote *xsync.MapOf[string, struct{}]
	// dirty: contacts with a version to publish; publishing reads the
	// latest snapshot, so versions published between drains coalesce.
	dirty  *xsync.MapOf[string, struct{}]
	wakeup chan struct{}
	// wrote: contacts this node made a user-set change of durable since it
	// last became their owner (handover.Wrote).
	wrote *xsync.MapOf[string, struct{}]

	// applied: the last revision of the state bucket the rights (0) and
	// challenge (1) watchers applied; appliedWake is closed and replaced at
	// each (serveSync waits on it).
	appliedMu   sync.Mutex
	applied     [2]uint64
	appliedWake chan struct{}

	// rebalanceWake asks the rebalancer goroutine for a rebalance.
	rebalanceWake chan struct{}
	// rebalanced counts the rebalances that ran to the end (interest
	// asked of the new owners); tests wait on it.
	rebalanced atomic.Uint64
	// Test hooks, zero in production: heartbeatPaused stops the renewals
	// (a stalled node, whose lease then runs out at the others: a
	// membership flap); subscribingOwned runs when subscribing found a
	// contact to be this node's own, before it records the interest.
	heartbeatPaused  atomic.Bool
	subscribingOwned func(id string)

	stats     Stats
	closeOnce sync.Once
	stop      chan struct{}
	done      sync.WaitGroup
}

type view struct {
	members []string
	at      time.Time
}

// Stats are the node's counters (see (*Node).Stats).
type Stats struct {
	Published       atomic.Uint64 // snapshots published to interested nodes
	PublishedBytes  atomic.Uint64 // bytes of those snapshots (JSON bodies)
	Received        atomic.Uint64 // snapshots received on contact subjects
	ReceivedBytes   atomic.Uint64 // bytes of those snapshots
	Interest        atomic.Uint64 // interest requests sent to owners (one per owner and batch)
	ReplicaApplied  atomic.Uint64 // replica snapshots installed
	ReplicaStale    atomic.Uint64 // replica snapshots older than the local copy
	Forwarded       atomic.Uint64 // requests forwarding inputs to an owner (one per event, or per batch and owner)
	ForwardedEvents atomic.Uint64 // source events forwarded in batches
	ForwardRetries  atomic.Uint64 // forwards retried while ownership moved
	Served          atomic.Uint64 // inputs applied for another node
	Rebalances      atomic.Uint64 // membership changes applied
	Gained          atomic.Uint64 // contacts this node became owner of
	Rebases         atomic.Uint64 // owners asked to continue above a replica's version
}

// Status is what health reports about the cluster.
type Status struct {
	Node      string    `json:"node"`
	Members   []string  `json:"members"`
	Since     time.Time `json:"since"`
	Owned     int       `json:"owned"`
	Interest  int       `json:"interest"`
	Published uint64    `json:"published"`
	Replicas  uint64    `json:"replica_updates"`
	Forwarded uint64    `json:"forwarded"`
	// Link: snapshots and bytes sent and received on the contact subjects.
	PublishedBytes uint64 `json:"published_bytes"`
	Received       uint64 `json:"received"`
	ReceivedBytes  uint64 `json:"received_bytes"`
}

// New connects to NATS, creates or opens the buckets, loads the rights and
// challenges stored there, joins the membership and takes ownership of its
// contacts (restoring their user-set state) before it returns. It installs
// itself as the engine's Router, Hooks and Persister.
func New(cfg Config) (*Node, error) {
	if cfg.URL == "" || cfg.Engine == nil {
		return nil, errors.New("cluster: URL and Engine are required")
	}
	if !nodeIDPattern.MatchString(cfg.NodeID) {
		return nil, fmt.Errorf("cluster: node id %q: use 1-64 letters, digits, '-' or '_'", cfg.NodeID)
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "presence"
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = time.Second
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 3 * cfg.Heartbeat
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 2 * time.Second
	}
	if cfg.ForwardDeadline <= 0 {
		cfg.ForwardDeadline = 3 * cfg.Lease
	}
	if cfg.Replicas <= 0 {
		cfg.Replicas = 1
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	n := &Node{
		cfg: cfg, id: cfg.NodeID, engine: cfg.Engine, log: cfg.Logger.With("node", cfg.NodeID),
		seen: map[string]time.Time{}, owned: map[string]bool{},
		interest:      xsync.NewMapOf[string, *nats.Subscription](),
		inflight:      map[string]chan struct{}{},
		remote:        xsync.NewMapOf[string, struct{}](),
		dirty:         xsync.NewMapOf[string, struct{}](),
		wrote:         xsync.NewMapOf[string, struct{}](),
		wakeup:        make(chan struct{}, 1),
		rebalanceWake: make(chan struct{}, 1),
		replicaIn:     make(chan *nats.Msg, 1<<16),
		appliedWake:   make(chan struct{}),
		stop:          make(chan struct{}),
	}
	nc, err := nats.Connect(cfg.URL, nats.Name("presenced "+cfg.NodeID), nats.MaxReconnects(-1))
	if err != nil {
		return nil, fmt.Errorf("cluster: connecting to %s: %w", cfg.URL, err)
	}
	n.nc = nc
	if err := n.start(); err != nil {
		nc.Close()
		return nil, err
	}
	return n, nil
}

func (n *Node) start() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	js, err := jetstream.New(n.nc)
	if err != nil {
		return err
	}
	n.js = js
	n.state, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: n.cfg.Prefix + "_state", History: 1, Storage: jetstream.FileStorage, Replicas: n.cfg.Replicas,
		Description: "presenced user-set state: rights, challenges, absent states, notes, images",
	})
	if err != nil {
		return fmt.Errorf("cluster: state bucket: %w", err)
	}
	n.member, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: n.cfg.Prefix + "_members", History: 1, Storage: jetstream.MemoryStorage, Replicas: n.cfg.Replicas,
		Description: "presenced members: one heartbeat key per node",
	})
	if err != nil {
		return fmt.Errorf("cluster: member bucket: %w", err)
	}
	// Requests to this node: inputs forwarded to it as owner, interest.
	if _, err := n.nc.Subscribe(n.subject("node", n.id, "apply"), n.serveApply); err != nil {
		return err
	}
	if _, err := n.nc.Subscribe(n.subject("node", n.id, "rebase"), n.serveRebase); err != nil {
		return err
	}
	if _, err := n.nc.Subscribe(n.subject("node", n.id, "handover"), n.serveHandover); err != nil {
		return err
	}
	if _, err := n.nc.Subscribe(n.subject("node", n.id, "sync"), n.serveSync); err != nil {
		return err
	}
	if _, err := n.nc.Subscribe(n.subject("node", n.id, "batch"), n.serveBatch); err != nil {
		return err
	}
	if _, err := n.nc.Subscribe(n.subject("node", n.id, "change"), n.serveChange); err != nil {
		return err
	}
	if _, err := n.nc.Subscribe(n.subject("node", n.id, "interest"), n.serveInterest); err != nil {
		return err
	}
	if _, err := n.nc.Subscribe(n.subject("directory"), n.serveDirectory); err != nil {
		return err
	}
	// Rights and challenges: every node applies every change (loaded first).
	if err := n.watchState(ctx); err != nil {
		return err
	}
	if _, err := n.member.Put(ctx, n.id, []byte(n.id)); err != nil {
		return fmt.Errorf("cluster: joining: %w", err)
	}
	if err := n.watchMembers(ctx); err != nil {
		return err
	}
	// The heartbeat runs before the first rebalance: restoring this node's
	// share of 2,100 contacts took longer than a 700 ms lease under -race,
	// and without heartbeats meanwhile the others expired the node as it
	// joined (a flap at every start of TestInterestInChunks).
	n.done.Add(4)
	go n.heartbeat()
	n.rebalance()
	n.engine.SetPersister(persister{n})
	n.engine.SetRouter(router{n})
	n.engine.SetHooks(&engine.Hooks{Published: n.published, Subscribing: n.subscribing})
	go n.rebalancer()
	go n.publisher()
	go n.replicaLoop()
	n.log.Info("cluster node started", "members", n.Members())
	return nil
}

// ID returns the node id.
func (n *Node) ID() string { return n.id }

// Members returns the live members as this node sees them, sorted.
func (n *Node) Members() []string {
	if v := n.view.Load(); v != nil {
		return slices.Clone(v.members)
	}
	return nil
}

// Status reports membership and counters for health.
func (n *Node) Status() Status {
	v := n.view.Load()
	n.ownership.RLock()
	owned := len(n.owned)
	n.ownership.RUnlock()
	return Status{Node: n.id, Members: slices.Clone(v.members), Since: v.at, Owned: owned, Interest: n.interest.Size(),
		Published: n.stats.Published.Load(), Replicas: n.stats.ReplicaApplied.Load(), Forwarded: n.stats.Forwarded.Load(),
		PublishedBytes: n.stats.PublishedBytes.Load(), Received: n.stats.Received.Load(), ReceivedBytes: n.stats.ReceivedBytes.Load()}
}

// Counters returns the node's counters.
func (n *Node) Counters() *Stats { return &n.stats }

// Owner returns the owner of a contact in this node's view.
func (n *Node) Owner(id string) string {
	v := n.view.Load()
	if v == nil {
		return "" // starting: the others may ask before the first view
	}
	return OwnerOf(v.members, id)
}

// Owns reports whether this node owns the contact in its current view.
func (n *Node) Owns(id string) bool { return n.Owner(id) == n.id }

// Close leaves the cluster: the membership key is deleted, so the others
// re-own this node's contacts at once instead of after the lease.
func (n *Node) Close() {
	n.closeOnce.Do(func() {
		n.detach()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = n.member.Delete(ctx, n.id)
		cancel()
		_ = n.nc.Drain()
		n.done.Wait()
	})
}

// Kill stops the node as a crash would: no goodbye, its membership expires
// after the lease. For failover tests.
func (n *Node) Kill() {
	n.closeOnce.Do(func() {
		n.detach()
		n.nc.Close()
		n.done.Wait()
	})
}

func (n *Node) detach() {
	close(n.stop)
	n.engine.SetRouter(nil)
	n.engine.SetHooks(nil)
	n.engine.SetPersister(nil)
}

func (n *Node) subject(parts ...string) string {
	s := n.cfg.Prefix
	for _, p := range parts {
		s += "." + p
	}
	return s
}

func (n *Node) contactSubject(id string) string { return n.cfg.Prefix + ".contact." + encode(id) }
