import t from 'tap'
import { metricNames } from './promql-names.js'

// The extractor the dashboard and alert checks rely on: if it missed a name, those checks could not fail.

t.test('selectors, functions and aggregations: only the metric names', async t => {
  t.same(metricNames('sum by (outcome) (rate(functions_invocations_total{instance=~"$instance"}[$__rate_interval]))'), ['functions_invocations_total'])
  t.same(metricNames('histogram_quantile(0.99, sum by (le) (rate(x_seconds_bucket{a="b,c"}[5m])))'), ['x_seconds_bucket'])
  t.same(metricNames('max(nodejs_eventloop_lag_p99_seconds{instance=~"${instance}"})'), ['nodejs_eventloop_lag_p99_seconds'])
})

t.test('binary operators, keywords and vector matching', async t => {
  t.same(metricNames('sum(rate(a_total[5m])) / sum(rate(b_total[5m])) > 0.05 and sum(rate(b_total[5m])) > 0.1'), ['a_total', 'b_total', 'b_total'])
  t.same(metricNames('a / on (instance) group_left (job) b unless c offset 5m'), ['a', 'b', 'c'])
  t.same(metricNames('up{job="functions"} == 0'), ['up'])
  t.same(metricNames('sum without (le, pod) (rate(h_bucket[1m:30s])) > bool 1e3'), ['h_bucket'])
})

t.test('a name outside any known prefix is still reported', async t => {
  t.same(metricNames('rate(fn_invocations_total[5m])'), ['fn_invocations_total'])
  t.same(metricNames('process_resident_memory_bytes'), ['process_resident_memory_bytes'])
})
