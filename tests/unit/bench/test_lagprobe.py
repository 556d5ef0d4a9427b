import array

from bench.lagprobe import read_samples


def test_lag_samples_are_cut_to_the_measurement_window(tmp_path):
    path = tmp_path / "lag.bin"
    values = array.array("d", [1.0, 0.001, 2.0, 0.002, 3.0, 0.030, 4.0, 0.004])
    path.write_bytes(values.tobytes() + b"\x00\x01")  # a torn last write is ignored
    assert read_samples(path, since=2.0, until=3.0) == [0.002, 0.030]
    assert read_samples(path, since=5.0, until=6.0) == []
