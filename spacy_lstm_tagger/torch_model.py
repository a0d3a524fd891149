"""The LSTM tagger as a plain PyTorch module. Imports only torch.

Input is flat: one row of integer feature ids per token for every token in the
batch, plus the length of each sequence. Output is flat too: one row of
log-probabilities per token, in input order. Sequences are packed, so a
sequence's output never depends on the other sequences in its batch.
"""
from typing import List, Optional, Sequence

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence


class LSTMTagger(nn.Module):
    """Embeddings of hashed token features -> (Bi)LSTM -> Linear -> log_softmax.

    feature_rows[i] is the size of the embedding table for feature column i and
    feature_widths[i] its width. Row 0 of every table is reserved for "unknown":
    word dropout replaces the word id (column 0) with it while training, so the
    model learns to tag from the subword features alone, as it must for words
    never seen in training.
    """

    def __init__(
        self,
        n_labels: int,
        feature_rows: Sequence[int],
        feature_widths: Sequence[int],
        hidden_width: int = 256,
        depth: int = 2,
        bidirectional: bool = True,
        dropout: float = 0.3,
        word_dropout: float = 0.1,
        vectors_width: int = 0,
    ):
        super().__init__()
        if len(feature_rows) != len(feature_widths) or not feature_rows:
            raise ValueError(
                "LSTMTagger needs one embedding width per feature table, got "
                f"{len(feature_rows)} tables and {len(feature_widths)} widths."
            )
        self.n_labels = n_labels
        self.word_dropout = word_dropout
        self.embeddings = nn.ModuleList(
            nn.Embedding(rows, width, padding_idx=0)
            for rows, width in zip(feature_rows, feature_widths)
        )
        self.vectors_width = vectors_width
        input_width = sum(feature_widths) + vectors_width
        self.input_dropout = nn.Dropout(dropout)
        self.lstm = nn.LSTM(
            input_width,
            hidden_width,
            num_layers=depth,
            bidirectional=bidirectional,
            dropout=dropout if depth > 1 else 0.0,
            batch_first=True,
        )
        self.output_dropout = nn.Dropout(dropout)
        self.output = nn.Linear(hidden_width * (2 if bidirectional else 1), n_labels)

    def forward(
        self,
        features: torch.Tensor,
        lengths: torch.Tensor,
        vectors: Optional[torch.Tensor] = None,
    ) -> torch.Tensor:
        """features: (n_tokens, n_features) int64; lengths: (n_sequences,) int64
        on the CPU, summing to n_tokens; vectors: (n_tokens, vectors_width) or
        None. Returns (n_tokens, n_labels) log-probabilities."""
        n_tokens = features.shape[0]
        if n_tokens == 0:
            return features.new_zeros((0, self.n_labels), dtype=torch.float32)
        if self.training and self.word_dropout > 0:
            drop = torch.rand(n_tokens, device=features.device) < self.word_dropout
            words = features[:, 0].masked_fill(drop, 0)
            features = torch.cat([words.unsqueeze(1), features[:, 1:]], dim=1)
        columns: List[torch.Tensor] = [
            table(features[:, i]) for i, table in enumerate(self.embeddings)
        ]
        if self.vectors_width:
            if vectors is None:
                raise ValueError("LSTMTagger was built with static vectors but got none.")
            columns.append(vectors)
        embedded = self.input_dropout(torch.cat(columns, dim=1))
        # Empty sequences carry no tokens; packing refuses them.
        lengths = lengths[lengths > 0]
        padded = pad_sequence(torch.split(embedded, lengths.tolist()), batch_first=True)
        packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
        hidden, _ = self.lstm(packed)
        hidden, _ = pad_packed_sequence(hidden, batch_first=True)
        positions = torch.arange(hidden.shape[1], device=hidden.device)
        mask = positions.unsqueeze(0) < lengths.to(hidden.device).unsqueeze(1)
        # Boolean indexing of (seq, time) reads row-major: sequence by sequence,
        # the same order as the flat input.
        flat = hidden[mask]
        return torch.log_softmax(self.output(self.output_dropout(flat)), dim=-1)
