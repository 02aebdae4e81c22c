"""KiotSync: a Haravan app that keeps a KiotViet POS retailer and a Haravan store in step."""

__version__ = "0.1.0"
