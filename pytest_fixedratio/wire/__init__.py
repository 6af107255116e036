"""What the project's two JSON-RPC servers share: the JSON-RPC 2.0 envelope and serving an aiohttp app on a
port. The control port (`control/`) and the localnet endpoint (`chain/`) speak different APIs (by-name
parameters and application codes there, a validator's positional parameters and codes here), but the same
envelope, so it lives once, below both."""
