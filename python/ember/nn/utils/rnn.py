"""Variable-length sequences for the recurrent layers: PackedSequence and the pad/pack helpers.

A PackedSequence stores the time steps of a batch sorted by decreasing length back to back:
data[sum(batch_sizes[:t]) + b] is step t of (sorted) sequence b, present while b < batch_sizes[t].
"""
from collections import namedtuple

import ember
from ember.nn.functional.conv import pad


def _invert_permutation(permutation):
    if permutation is None:
        return None
    inverse = ember.empty_like(permutation)
    inverse[permutation] = ember.arange(permutation.numel())
    return inverse


class PackedSequence(namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = _invert_permutation(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else type(self)(data, self.batch_sizes, self.sorted_indices,
                                                         self.unsorted_indices)

    def double(self):
        return self.to(dtype=ember.float64)

    def float(self):
        return self.to(dtype=ember.float32)

    def cpu(self):
        return self

    @property
    def is_cuda(self):
        return False

    def is_pinned(self):
        return False


def _lengths_list(lengths):
    if isinstance(lengths, ember.Tensor):
        if lengths.dim() != 1:
            raise RuntimeError(f"'lengths' argument should be a 1D tensor, but got a {lengths.dim()}D tensor")
        return [int(v) for v in lengths.tolist()]
    return [int(v) for v in lengths]


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Packs a padded (T, B, *) (or (B, T, *) with batch_first) batch whose sequence b has lengths[b] steps."""
    lengths = _lengths_list(lengths)
    batch_dim = 0 if batch_first else 1
    if len(lengths) != input.shape[batch_dim]:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {len(lengths)} (batch_size="
                           f"{input.shape[batch_dim]})")
    if enforce_sorted:
        if any(a < b for a, b in zip(lengths, lengths[1:])):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
                               "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
                               "sidestep this requirement if you do not need ONNX exportability.")
        sorted_indices = None
    else:
        sorted_indices = ember.sort(ember.tensor(lengths, dtype=ember.int64), descending=True, stable=True)[1]
        lengths = [lengths[i] for i in sorted_indices.tolist()]
        input = input.index_select(batch_dim, sorted_indices)
    if lengths and min(lengths) <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' that is "
                           "<= 0")
    steps = input.shape[0 if not batch_first else 1]
    if lengths and lengths[0] > steps:
        raise RuntimeError(f"Expected sequence length to be at most {steps} (the padded length), but got {lengths[0]}")
    if batch_first:
        input = input.transpose(0, 1)
    longest = lengths[0] if lengths else 0
    present = ember.arange(longest).unsqueeze(1) < ember.tensor(lengths, dtype=ember.int64).unsqueeze(0)
    data = input[:longest][present]  # row-major over (t, b): step by step, sorted sequences first
    batch_sizes = present.sum(1)
    return PackedSequence(data, batch_sizes, sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """The inverse of pack_padded_sequence: (padded batch in the original order, lengths (int64))."""
    data, batch_sizes = sequence.data, sequence.batch_sizes
    steps, batch = batch_sizes.numel(), int(batch_sizes[0].item()) if batch_sizes.numel() else 0
    if total_length is not None:
        if total_length < steps:
            raise ValueError(f"Expected total_length to be at least the length of the longest sequence in input, but "
                             f"got total_length={total_length} and max sequence length being {steps}")
        steps = total_length
    present = ember.arange(batch).unsqueeze(0) < batch_sizes.unsqueeze(1)
    if steps > present.shape[0]:
        present = ember.cat([present, ember.zeros((steps - present.shape[0], batch), dtype=ember.bool)])
    slot = ember.arange(steps * batch)[present.reshape(-1)]
    feature = tuple(data.shape[1:])
    padded = ember.zeros((steps * batch,) + feature, dtype=data.dtype).index_add(0, slot, data)
    if padding_value != 0:
        filled = present.reshape((steps * batch,) + (1,) * len(feature))
        padded = ember.where(filled, padded, ember.full_like(padded, padding_value))
    padded = padded.reshape((steps, batch) + feature)
    lengths = present.sum(0)
    if sequence.unsorted_indices is not None:
        padded = padded.index_select(1, sequence.unsorted_indices)
        lengths = lengths[sequence.unsorted_indices]
    return (padded.transpose(0, 1) if batch_first else padded), lengths


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stacks (L_i, *) tensors into (max L, B, *) (or (B, max L, *)), padding each to the longest."""
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if isinstance(sequences, ember.Tensor):
        sequences = list(sequences.unbind(0))
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        missing = longest - s.shape[0]
        amounts = [0, 0] * (s.dim() - 1) + ([0, missing] if padding_side == "right" else [missing, 0])
        padded.append(pad(s, amounts, value=padding_value) if missing else s)
    return ember.stack(padded, 0 if batch_first else 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[i, :length] for i, length in enumerate(_lengths_list(lengths))]


def pack_sequence(sequences, enforce_sorted=True):
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
