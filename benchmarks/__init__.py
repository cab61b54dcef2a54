"""Ratio benchmarks of synerise-async against raw aiohttp and other common clients.

Run ``python -m benchmarks run --out benchmarks/results/latest.md`` from the
repository root (``--smoke`` for the quick CI variant); see ``benchmarks/README.md``.
"""
