-- wrk script: POSTs of a push message's size (4 KB) to .ci/push-sink.mjs, the floor of
-- `.ci/bench-notify.py`'s delivery rate.
wrk.method = "POST"
wrk.body = string.rep("x", 4096)
wrk.headers["Content-Type"] = "application/octet-stream"
wrk.headers["Content-Encoding"] = "aes128gcm"
