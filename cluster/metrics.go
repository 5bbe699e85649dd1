package cluster

import (
	"fmt"
	"io"
)

// WriteMetrics writes the node's counters in the Prometheus text format
// (the server's /metrics appends them). The link counters are what one
// update costs across nodes: presence_cluster_published_total counts
// snapshots this node sent as owner (one per contact version and round of
// the coalescing publisher, delivered by NATS once per interested node),
// presence_cluster_received_total the snapshots it received as replica.
func (n *Node) WriteMetrics(w io.Writer) {
	s := &n.stats
	v := n.view.Load()
	n.ownership.RLock()
	owned := len(n.owned)
	n.ownership.RUnlock()
	counters := []struct {
		name, help string
		value      uint64
	}{
		{"presence_cluster_published_total", "Snapshots published as owner to interested nodes.", s.Published.Load()},
		{"presence_cluster_published_bytes_total", "Bytes of the published snapshots.", s.PublishedBytes.Load()},
		{"presence_cluster_received_total", "Snapshots received as replica on contact subjects.", s.Received.Load()},
		{"presence_cluster_received_bytes_total", "Bytes of the received snapshots.", s.ReceivedBytes.Load()},
		{"presence_cluster_replica_applied_total", "Received snapshots installed (newer than the local copy).", s.ReplicaApplied.Load()},
		{"presence_cluster_replica_stale_total", "Received snapshots ignored (not newer, or owned here).", s.ReplicaStale.Load()},
		{"presence_cluster_interest_requests_total", "Interest requests sent to owners.", s.Interest.Load()},
		{"presence_cluster_forwarded_total", "Inputs forwarded to their owner (attempts).", s.Forwarded.Load()},
		{"presence_cluster_forwarded_events_total", "Source events forwarded to their owner in batches.", s.ForwardedEvents.Load()},
		{"presence_cluster_forward_retries_total", "Forwards retried while ownership moved.", s.ForwardRetries.Load()},
		{"presence_cluster_served_total", "Inputs applied as owner for another node.", s.Served.Load()},
		{"presence_cluster_rebalances_total", "Membership changes applied.", s.Rebalances.Load()},
		{"presence_cluster_rebase_requests_total", "Owners asked to continue above a replica's version (after a membership flap).", s.Rebases.Load()},
		{"presence_cluster_gained_total", "Contacts this node became owner of.", s.Gained.Load()},
	}
	for _, c := range counters {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n%s %d\n", c.name, c.help, c.name, c.name, c.value)
	}
	members := 0
	if v != nil {
		members = len(v.members)
	}
	fmt.Fprintf(w, "# HELP presence_cluster_members Live members in this node's view.\n# TYPE presence_cluster_members gauge\npresence_cluster_members %d\n", members)
	fmt.Fprintf(w, "# HELP presence_cluster_owned Contacts this node owns.\n# TYPE presence_cluster_owned gauge\npresence_cluster_owned %d\n", owned)
	fmt.Fprintf(w, "# HELP presence_cluster_interest Contacts local watchers subscribed to (replicas).\n# TYPE presence_cluster_interest gauge\npresence_cluster_interest %d\n", n.interest.Size())
}
