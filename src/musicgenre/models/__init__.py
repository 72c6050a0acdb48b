"""What a model is, untrained: PyTorch networks (``networks``) and their input scaling (``scaling``),
scikit-learn baselines and heads on musicnn taggrams (``baselines``, ``taggram_heads``), the soft-voting ensemble,
the linear head of the musicnn genre graph (``linear_head``), how a track is cut into windows (``windows``), onnxruntime
sessions (``sessions``) and the ONNX Model file a fitted model becomes (``export``).

Nothing here trains (that is ``musicgenre.training``, one layer up), and nothing is imported eagerly: the inference
engine reads ``linear_head``, ``windows`` and ``sessions`` without torch or scikit-learn.
"""
