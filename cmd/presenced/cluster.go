package main

import (
	"encoding/json"
	"log/slog"
	"os"

	"github.com/valyala/fasthttp"

	"github.com/ucpresence/presence/cluster"
	"github.com/ucpresence/presence/engine"
)

// defaultNodeID is the host name, the usual node id of one node per host.
func defaultNodeID() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "presenced"
	}
	return h
}

// joinCluster makes this process a node of the cluster at o.cluster
// (docs/CLUSTER.md): user-set state lives in JetStream instead of the local
// store, and inputs of contacts owned elsewhere are forwarded there.
func joinCluster(o *options, e *engine.Engine, log *slog.Logger) (*cluster.Node, error) {
	return cluster.New(cluster.Config{URL: o.cluster, NodeID: o.nodeID, Engine: e, Logger: log,
		Lease: o.clusterLease, Heartbeat: o.clusterLease / 3})
}

// clusterHealth answers /healthz with "ok" and the node's view of the
// cluster (members, owned contacts, counters) as JSON.
func clusterHealth(n *cluster.Node) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		ctx.SetContentType("text/plain; charset=utf-8")
		ctx.WriteString("ok\n")
		b, _ := json.Marshal(n.Status())
		ctx.Write(b)
		ctx.WriteString("\n")
	}
}
