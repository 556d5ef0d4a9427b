"""Media WebSocket codecs, one per wire protocol, behind `base.MediaCodec`."""
