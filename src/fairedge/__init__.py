"""FairEdge: sports-betting analysis — fair lines, +EV bets, arbitrage and middles."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("fairedge")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"
