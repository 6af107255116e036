"""The control port: JSON-RPC 2.0 over HTTP to steer a running session (`jsonrpc` the protocol, `service` the
methods, `server` the aiohttp application)."""
