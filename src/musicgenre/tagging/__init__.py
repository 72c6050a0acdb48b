"""Write the genre into music files' own tags (``musicgenre label``, the beets plugin) and take it back out.

``tags``: read and write the genre field (and the probabilities field) of each format, atomically;
``policy``: whether and how a prediction changes a file's genres (a pure function); ``undo``: the log of
previous values every write appends to first, and restoring from it (the original bytes where the file is still
as written); ``patch``: the compact record of the bytes a write changed that makes that possible.
"""
