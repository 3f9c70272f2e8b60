// The Lua script wrk runs: it adds the request headers and, when the run ends, prints one JSON line with the
// totals and latency percentiles, so the bench reads numbers instead of wrk's rounded human text ("1.2GB").

export const WRK_REPORT_MARKER = 'BERTH_WRK ';

export const wrkReportScript = `
local accept = os.getenv("BERTH_WRK_ACCEPT")
if accept ~= nil and accept ~= "" then
  wrk.headers["Accept"] = accept
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '${WRK_REPORT_MARKER}{"requests":%d,"bytes":%d,"durationUs":%d,"connectErrors":%d,"readErrors":%d,' ..
    '"writeErrors":%d,"statusErrors":%d,"timeouts":%d,"p50Us":%d,"p99Us":%d}\\n',
    summary.requests, summary.bytes, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;
