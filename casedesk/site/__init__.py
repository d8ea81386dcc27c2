"""The product put together: the demo data and the `serve` command of `make run` (web,
sweeps and e-mail intake in one process). The top of the layers, below only `config`."""
