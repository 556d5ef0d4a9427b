"""Speech to text: one module per vendor behind `SttProvider`."""
