"""The domain core: values, rules and states with no I/O.

Nothing here reads the environment, a table, a bucket or a clock it was not
handed: every module imports only the standard library, its neighbours in
this package and ``chalicelib.errors``. The use cases (uploads, ingest,
library, listing, accounts, ...) load and store these values through
``records`` and ``storage``; ``presenters`` turn them into the JSON of the
contract. docs/architecture.md, "Layers", draws the picture.

* ``names``: the named states and kinds (file types, session status, flows, uploaders).
* ``clock``: the contract's timestamp format.
* ``formats``: the allowed types and extensions, and human sizes.
* ``fields``: what a display name and an original filename may be.
* ``layout``: where objects live in the bucket, and which function an event under each prefix goes to.
* ``etags``: entity tags of a file's representation.
* ``values``: the account, API key and media file values.
* ``upload``: the upload session and its lifecycle (a small state machine).
* ``wording``: a refused file explained to a person (its name, sizes as people read them).
"""
