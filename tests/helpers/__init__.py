"""What the test modules share: the moto world and the embedded servers, requests
and their body rules, upload flows, S3 events, direct reads of the stores, the
consistency check, fault injection and media.

Test modules import from here, never from one another.
"""
