"""The audit chain below every service: event names, the writer, the hash chain and its export.

Free of Flask; ``chain`` and ``export`` also run without the ORM (the standalone verifier).
"""
