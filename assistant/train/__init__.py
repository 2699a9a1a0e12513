"""Training the reader model on public QA data (needs PyTorch; the assistant runs the ONNX export)."""
