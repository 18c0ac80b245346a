"""tracer: draft sequence diagrams of OpenStack operations from their source code."""

__version__ = "0.1.0"
