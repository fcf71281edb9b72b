package main

import (
	"fmt"
	"math/rand"
)

var indices = []string{"logs-2024.01.03", "metrics-system.cpu-default", ".ds-logs-nginx.access-default-2024.01.02-000014", "orders", "products-v7"}
var nodes = []string{"node-1", "node-2", "node-3", "es-data-hot-0", "es-master-1"}

var frameBank = []string{
	"\tat org.elasticsearch.action.search.AbstractSearchAsyncAction.onShardFailure(AbstractSearchAsyncAction.java:543) ~[elasticsearch-8.11.4.jar:?]",
	"\tat org.elasticsearch.action.search.AbstractSearchAsyncAction$1.onFailure(AbstractSearchAsyncAction.java:308) ~[elasticsearch-8.11.4.jar:?]",
	"\tat org.elasticsearch.action.ActionListenerImplementations$MappedActionListener.onFailure(ActionListenerImplementations.java:90) ~[elasticsearch-8.11.4.jar:?]",
	"\tat org.elasticsearch.action.search.SearchExecutionStatsCollector.onFailure(SearchExecutionStatsCollector.java:62) ~[elasticsearch-8.11.4.jar:?]",
	"\tat org.elasticsearch.transport.TransportService$ContextRestoreResponseHandler.handleException(TransportService.java:1456) ~[elasticsearch-8.11.4.jar:?]",
	"\tat org.elasticsearch.transport.InboundHandler.doHandleException(InboundHandler.java:407) ~[elasticsearch-8.11.4.jar:?]",
	"\tat org.elasticsearch.common.util.concurrent.ThreadContext$ContextPreservingAbstractRunnable.doRun(ThreadContext.java:983) ~[elasticsearch-8.11.4.jar:?]",
	"\tat org.elasticsearch.common.util.concurrent.AbstractRunnable.run(AbstractRunnable.java:26) ~[elasticsearch-8.11.4.jar:?]",
	"\tat java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:1144) ~[?:?]",
	"\tat java.util.concurrent.ThreadPoolExecutor$Worker.run(ThreadPoolExecutor.java:642) ~[?:?]",
	"\tat java.lang.Thread.run(Thread.java:1583) ~[?:?]",
	"\tat org.elasticsearch.search.SearchService.executeQueryPhase(SearchService.java:697) ~[elasticsearch-8.11.4.jar:?]",
	"\tat org.elasticsearch.search.query.QueryPhase.executeQuery(QueryPhase.java:190) ~[elasticsearch-8.11.4.jar:?]",
	"\tat org.elasticsearch.index.query.SearchExecutionContext.failIfFieldMappingNotFound(SearchExecutionContext.java:378) ~[elasticsearch-8.11.4.jar:?]",
	"\tat io.netty.channel.AbstractChannelHandlerContext.invokeChannelRead(AbstractChannelHandlerContext.java:442) ~[netty-transport-4.1.94.Final.jar:4.1.94.Final]",
	"\tat io.netty.handler.codec.ByteToMessageDecoder.channelRead(ByteToMessageDecoder.java:346) ~[netty-codec-4.1.94.Final.jar:4.1.94.Final]",
	"\tat io.netty.channel.nio.NioEventLoop.processSelectedKeysPlain(NioEventLoop.java:689) ~[netty-transport-4.1.94.Final.jar:4.1.94.Final]",
	"\tat org.apache.lucene.index.IndexWriter.merge(IndexWriter.java:4675) ~[lucene-core-9.8.0.jar:?]",
	"\tat org.elasticsearch.index.engine.ElasticsearchConcurrentMergeScheduler.doMerge(ElasticsearchConcurrentMergeScheduler.java:118) ~[elasticsearch-8.11.4.jar:?]",
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.Intn(len(s))] }

func uuid(r *rand.Rand) string {
	const a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
	b := make([]byte, 22)
	for i := range b {
		b[i] = a[r.Intn(len(a))]
	}
	return string(b)
}

func frames(r *rand.Rand, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = pick(r, frameBank)
	}
	return out
}

// noise returns one ordinary event: mostly INFO one-liners, some WARN with
// stack traces, and now and then a look-alike that must stay silent.
func noise(r *rand.Rand) event {
	node := pick(r, nodes)
	idx := pick(r, indices)
	switch k := r.Intn(100); {
	case k < 18:
		return event{level: "INFO", logger: "o.e.c.m.MetadataMappingService", node: node, message: fmt.Sprintf("[%s/%s] update_mapping [_doc]", idx, uuid(r))}
	case k < 30:
		return event{level: "INFO", logger: "o.e.c.r.a.AllocationService", node: node, message: fmt.Sprintf("current.health=\"GREEN\" message=\"Cluster health status changed from [YELLOW] to [GREEN] (reason: [shards started [[%s][%d]]]).\" previous.health=\"YELLOW\" reason=\"shards started [[%s][%d]]\"", idx, r.Intn(5), idx, r.Intn(5))}
	case k < 40:
		return event{level: "INFO", logger: "o.e.m.j.JvmGcMonitorService", node: node, message: fmt.Sprintf("[gc][%d] overhead, spent [%dms] collecting in the last [1s]", r.Intn(900000), 250+r.Intn(700))}
	case k < 48:
		return event{level: "INFO", logger: "o.e.c.m.MetadataCreateIndexService", node: node, message: fmt.Sprintf("[%s-%06d] creating index, cause [auto(bulk api)], templates [logs], shards [1]/[1]", idx, r.Intn(999999))}
	case k < 56:
		return event{level: "INFO", logger: "o.e.x.i.IndexLifecycleTransition", node: node, message: fmt.Sprintf(`moving index [%s] from [{"phase":"hot","action":"rollover","name":"check-rollover-ready"}] to [{"phase":"hot","action":"rollover","name":"attempt-rollover"}] in policy [logs]`, idx)}
	case k < 62:
		n := pick(r, nodes)
		return event{level: "INFO", logger: "o.e.c.s.ClusterApplierService", node: node, message: fmt.Sprintf("added {{%s}{%s}{%s}{%s}{10.0.0.%d}{10.0.0.%d:9300}{cdfhilmrstw}}, term: %d, version: %d, reason: ApplyCommitRequest{term=%d, version=%d}", n, uuid(r), uuid(r), n, r.Intn(250), r.Intn(250), r.Intn(20), r.Intn(100000), r.Intn(20), r.Intn(100000))}
	case k < 68:
		return event{level: "INFO", logger: "o.e.c.r.a.DiskThresholdMonitor", node: node, message: fmt.Sprintf("low disk watermark [85%%] exceeded on [%s][%s][/var/lib/elasticsearch] free: %d.%dgb[14.2%%], replicas will not be assigned to this node", uuid(r), node, r.Intn(40), r.Intn(10))}
	case k < 72:
		return event{level: "INFO", logger: "o.e.s.SnapshotsService", node: node, message: fmt.Sprintf("snapshot [repo:nightly-2024.01.%02d/%s] completed with state [SUCCESS]", 1+r.Intn(28), uuid(r))}
	case k < 80:
		return event{level: "WARN", logger: "r.suppressed", node: node, message: fmt.Sprintf("path: /%s/_search, params: {index=%s}", idx, idx),
			stack: append(append([]string{"org.elasticsearch.action.search.SearchPhaseExecutionException: all shards failed"}, frames(r, 8+r.Intn(10))...),
				append([]string{"Caused by: org.elasticsearch.index.query.QueryShardException: No mapping found for [@timestamp] in order to sort on"}, frames(r, 5+r.Intn(8))...)...)}
	case k < 86:
		return event{level: "WARN", logger: "o.e.a.s.TransportSearchAction", node: node, message: fmt.Sprintf("[%s][%d], node[%s], [P], s[STARTED], a[id=%s]: Failed to execute [SearchRequest{searchType=QUERY_THEN_FETCH, indices=[%s]}]", idx, r.Intn(5), uuid(r), uuid(r), idx),
			stack: append([]string{fmt.Sprintf("org.elasticsearch.transport.RemoteTransportException: [%s][10.0.0.%d:9300][indices:data/read/search[phase/query]]", pick(r, nodes), r.Intn(250)),
				"Caused by: org.elasticsearch.search.query.QueryShardException: failed to create query: For input string: \"abc\""}, frames(r, 10+r.Intn(15))...)}
	case k < 90:
		return event{level: "WARN", logger: "o.e.i.e.Engine", node: node, message: fmt.Sprintf("[%s][%d] failed engine [merge failed]", idx, r.Intn(5)),
			stack: append([]string{"org.apache.lucene.index.MergePolicy$MergeException: java.io.IOException: No space left on device"}, frames(r, 6+r.Intn(8))...)}
	case k < 93:
		// HTTP-layer TLS look-alike.
		return event{level: "WARN", logger: "o.e.h.AbstractHttpServerTransport", node: node,
			message: fmt.Sprintf("caught exception while handling client http traffic, closing connection Netty4HttpChannel{localAddress=/10.0.0.1:9200, remoteAddress=/10.0.0.%d:%d}", r.Intn(250), 40000+r.Intn(20000)),
			stack:   append([]string{"io.netty.handler.codec.DecoderException: javax.net.ssl.SSLHandshakeException: Received fatal alert: bad_certificate"}, frames(r, 6)...)}
	case k < 95:
		return event{level: "INFO", logger: "o.e.x.s.a.AuthenticationService", node: node, message: "Authentication of [kibana_system] was terminated by realm [reserved] - failed to authenticate user [kibana_system]"}
	case k < 97:
		return event{level: "WARN", logger: "o.e.c.NodeConnectionsService", node: node, message: fmt.Sprintf("reopened transport connection to node [{%s}{%s}{10.0.0.%d}{10.0.0.%d:9300}] which disconnected exceptionally [%dms] ago but did not restart, so the disconnection is unexpected", pick(r, nodes), uuid(r), r.Intn(250), r.Intn(250), r.Intn(5000))}
	default:
		return event{level: "INFO", logger: "o.e.x.m.j.p.a.AutodetectProcessManager", node: node, message: fmt.Sprintf("Opening job [job-%d]", r.Intn(1000))}
	}
}
