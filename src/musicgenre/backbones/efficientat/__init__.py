"""EfficientAT's ``mn04_as`` (Schmid, Koutini & Widmer, ICASSP 2023; MIT licence): a MobileNetV3-style CNN trained
on AudioSet's 527 classes, our own implementation of it, with its weights shipped as one ONNX graph.

    from musicgenre.backbones.efficientat.frontend import log_mel       # numpy: (n,) at 32 kHz -> (128, frames)
    from musicgenre.backbones.efficientat.graph import GRAPH_PATH       # mel -> logits (n, 527), embedding (n, 384)
    from musicgenre.backbones.efficientat.vocabulary import genre_scores  # 527 classes -> GTZAN's ten genres

``network`` (PyTorch) is imported only by whoever runs the network in torch (the conversion tool, the tests, the
backbone's ``network()``); predicting runs the graph with onnxruntime.
"""
