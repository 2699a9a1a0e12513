"""A rerunnable performance benchmark of the assistant: `python -m benchmarks [--quick]`."""
