"""The LSTM tagger as a plain PyTorch module. Imports only torch.

Words are described once per distinct word type in the batch (hashed feature
ids and, optionally, characters) and gathered to tokens by an index, so a word
that occurs fifty times in a batch is embedded once. Sequences are packed, so a
sequence's output never depends on the other sequences in its batch.
"""
from typing import List, Optional, Sequence, Tuple, Union

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence

from .torch_training import dropout, low_precision_linear, packed_lstm, packed_lstm_supported


class CharCNN(nn.Module):
    """Character embeddings -> 1D convolution -> max over the word's characters.
    Gives every word, seen or not, a vector built from its spelling.

    end_positions > 0 also returns the convolution's output at the word's
    last end_positions characters: the max says which patterns a word has,
    not where, and suffixing languages mark FEATS and the lemma's edit at the
    end of the word."""

    def __init__(self, rows: int, width: int, filters: int, window: int = 3, end_positions: int = 0):
        super().__init__()
        self.embedding = nn.Embedding(rows, width, padding_idx=0)
        self.conv = nn.Conv1d(width, filters, kernel_size=window, padding=window // 2)
        self.end_positions = end_positions
        self.output_width = filters * (1 + end_positions)

    def forward(self, chars: torch.Tensor) -> torch.Tensor:
        """chars: (n_words, max_chars) ids, 0 = padding (after the characters).
        Returns (n_words, output_width)."""
        present = chars != 0
        hidden = torch.relu(self.conv(self.embedding(chars).transpose(1, 2)))
        # ReLU output is >= 0, so zeroing the padding leaves the max unchanged
        # for every word that has at least one character.
        hidden = hidden * present.unsqueeze(1)
        pooled = hidden.max(dim=2).values
        if not self.end_positions:
            return pooled
        lengths = present.sum(dim=1, keepdim=True)
        # Position k from the end (k = 1: the last character); a shorter word
        # repeats its first character's column.
        steps = torch.arange(1, self.end_positions + 1, device=chars.device).unsqueeze(0)
        index = (lengths - steps).clamp(min=0)
        ends = torch.gather(hidden, 2, index.unsqueeze(1).expand(-1, hidden.shape[1], -1))
        return torch.cat([pooled, ends.transpose(1, 2).flatten(1)], dim=1)


class CharBiLSTM(nn.Module):
    """Character embeddings -> BiLSTM over the word's characters; the word's
    vector is the forward LSTM's state after its last character beside the
    backward one's after its first (UDPipe 2 and Stanza encode words so).
    Unlike a CNN's max, the final states know what the word ends with and
    in which order, which is where suffixing languages mark FEATS and the
    lemma's edit. output_width = 2 x hidden (hidden per direction)."""

    def __init__(self, rows: int, width: int, hidden: int):
        super().__init__()
        self.embedding = nn.Embedding(rows, width, padding_idx=0)
        self.lstm = nn.LSTM(width, hidden, batch_first=True, bidirectional=True)
        self.output_width = 2 * hidden

    def forward(self, chars: torch.Tensor) -> torch.Tensor:
        """chars: (n_words, max_chars) ids, 0 = padding (after the characters).
        Returns (n_words, output_width). A word without characters reads one
        padding character (a zero vector)."""
        if chars.shape[0] == 0:
            return self.embedding.weight.new_zeros((0, self.output_width))
        lengths = (chars != 0).sum(dim=1).clamp(min=1).cpu()
        packed = pack_padded_sequence(self.embedding(chars), lengths, batch_first=True, enforce_sorted=False)
        # h_n: (2, n_words, hidden), in the words' own order (the packing's
        # sort is undone by pack_padded_sequence's unsorted_indices).
        _, (h_n, _) = self.lstm(packed)
        return torch.cat([h_n[0], h_n[1]], dim=1)


CHAR_ENCODERS = ("cnn", "bilstm")
TRAINING_PRECISIONS = ("float32", "bfloat16", "auto")


def training_product_dtype(training_precision: str) -> Optional[torch.dtype]:
    """The dtype of a CPU training update's largest products (the LSTM's
    input projections and head_tanh_layer's; None: float32, as everything else).
    "auto": bfloat16 where this CPU multiplies bfloat16 natively (AVX-512
    BF16 or AMX: several times float32's rate), float32 elsewhere (emulated
    bfloat16 products are slower than float32's). ValueError("training_precision
    must be ...") for another value."""
    if training_precision not in TRAINING_PRECISIONS:
        raise ValueError(
            f"training_precision must be {' or '.join(map(repr, TRAINING_PRECISIONS))}, got {training_precision!r}."
        )
    if training_precision == "auto":
        native = torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()
        return torch.bfloat16 if native else None
    return torch.bfloat16 if training_precision == "bfloat16" else None


def check_head_tanh_layer(head_tanh_layer) -> None:
    """Raise ValueError("head_tanh_layer must be ..., got <value>.") for a
    value that is none of true, false and "shared". The rule's one home, as
    check_char_encoder's: LSTMTagger and the spaCy architecture both check it."""
    if not (isinstance(head_tanh_layer, bool) or head_tanh_layer == "shared"):
        raise ValueError(f'head_tanh_layer must be true, false or "shared", got {head_tanh_layer!r}.')


def check_char_encoder(
    char_encoder: str, char_rows: int, char_filters: int, char_end_positions: int, char_bilstm_width: int = 0
) -> None:
    """Raise ValueError("<setting> must be <what works>, got <value>.") for a
    character encoder that cannot be built. The rule's one home: LSTMTagger
    checks it when built, and the spaCy architecture when its config is read,
    before any module exists."""
    if char_encoder not in CHAR_ENCODERS:
        raise ValueError(f"char_encoder must be {' or '.join(map(repr, CHAR_ENCODERS))}, got {char_encoder!r}.")
    if isinstance(char_bilstm_width, bool) or not isinstance(char_bilstm_width, int) or char_bilstm_width < 0:
        raise ValueError(f"char_bilstm_width must be 0 (none) or an even integer >= 2, got {char_bilstm_width!r}.")
    if char_bilstm_width:
        if char_bilstm_width % 2:
            raise ValueError(
                f"char_bilstm_width must be even (half per direction), got {char_bilstm_width!r}."
            )
        if not char_rows or char_encoder != "cnn":
            raise ValueError(
                "char_bilstm_width must be 0 unless the character CNN is on (char_rows > 0, char_encoder = 'cnn'): "
                f"the BiLSTM it sets goes beside the CNN, got {char_bilstm_width!r}."
            )
    if char_rows and char_encoder == "bilstm":
        if char_filters % 2:
            raise ValueError(
                f"char_filters must be even with char_encoder = 'bilstm' (half per direction), got {char_filters!r}."
            )
        if char_end_positions:
            raise ValueError(
                "char_end_positions must be 0 with char_encoder = 'bilstm' (its final states read the word's end), "
                f"got {char_end_positions!r}."
            )


class LSTMTagger(nn.Module):
    """Embeddings of hashed word features (+ char CNN or BiLSTM, or both) -> (Bi)LSTM -> Linear -> log_softmax.

    n_labels: the number of labels, or one number per output head (e.g. XPOS,
    UPOS and morphological features predicted from the same LSTM). The heads
    share one Linear layer (head_tanh_layer = True: each has its own residual
    tanh layer and Linear; "shared": they share one residual tanh layer
    before the Linear); each head's columns are normalized on their own,
    so the output is one log-probability distribution per head, side by side.
    char_head_indices: heads whose scores also read each word's character
    encoding directly (one bias-free Linear), beside the LSTM's output.

    sparse_embeddings: the feature tables give sparse gradients (see
    nn.Embedding); the character table stays dense.

    feature_rows[i] is the size of the embedding table for feature column i and
    feature_widths[i] its width. Row 0 of every table is reserved for "unknown":
    word dropout replaces a token's word embedding (column 0) with it while
    training, so the model learns to tag from spelling alone, as it must for
    words never seen in training.

    The defaults are the spaCy architecture's: a character CNN of 1000 rows
    (char_rows = 0 for none) and sparse gradients for the feature tables
    (sparse_embeddings = False for an optimizer, such as torch.optim.Adam,
    that takes only dense ones).
    """

    # The module's defaults are written once, here: this file imports only
    # torch, so the architecture (thinc_model.py) reads them from this
    # signature, not the other way round, and the module keeps them for use
    # on its own (requiring every setting would make that tedious).
    def __init__(
        self,
        n_labels: Union[int, Sequence[int]],
        feature_rows: Sequence[int],
        feature_widths: Sequence[int],
        hidden_width: int = 128,
        depth: int = 2,
        bidirectional: bool = True,
        dropout: float = 0.3,
        word_dropout: float = 0.2,
        char_rows: int = 1000,
        char_width: int = 32,
        char_filters: int = 64,
        vectors_width: int = 0,
        sparse_embeddings: bool = True,
        char_end_positions: int = 0,
        char_encoder: str = "cnn",
        char_bilstm_width: int = 0,
        head_tanh_layer: Union[bool, str] = False,
        char_head_indices: Sequence[int] = (),
        training_precision: str = "float32",
        lstm_residual: bool = False,
    ):
        super().__init__()
        if len(feature_rows) != len(feature_widths):
            raise ValueError(
                "LSTMTagger needs one embedding width per feature table, got "
                f"{len(feature_rows)} tables and {len(feature_widths)} widths."
            )
        if not feature_rows and not char_rows and not vectors_width:
            raise ValueError(
                "LSTMTagger needs an input: feature tables, a character encoder (char_rows > 0) "
                "or per-token vectors (vectors_width > 0)."
            )
        self.head_sizes = [n_labels] if isinstance(n_labels, int) else [int(n) for n in n_labels]
        if not self.head_sizes or min(self.head_sizes) < 1:
            raise ValueError(f"LSTMTagger needs at least one label per head, got {n_labels!r}.")
        self.n_labels = sum(self.head_sizes)
        self.word_dropout = word_dropout
        # sparse: the tables' gradients hold only the rows a batch used, so
        # an optimizer can update those rows alone (the tables are most of
        # the parameters, a batch touches a few thousand of their rows).
        self.embeddings = nn.ModuleList(
            nn.Embedding(rows, width, padding_idx=0, sparse=sparse_embeddings)
            for rows, width in zip(feature_rows, feature_widths)
        )
        try:
            check_char_encoder(char_encoder, char_rows, char_filters, char_end_positions, char_bilstm_width)
        except ValueError as error:
            raise ValueError(f"LSTMTagger: {error}") from None
        if not char_rows:
            self.chars = None
        elif char_encoder == "bilstm":
            self.chars = CharBiLSTM(char_rows, char_width, char_filters // 2)
        else:
            self.chars = CharCNN(char_rows, char_width, char_filters, end_positions=char_end_positions)
        # The CNN's max says which character patterns a word has; a BiLSTM's
        # final states say what it ends with, in order. Beside each other
        # they kept UPOS where the BiLSTM alone lost it (BENCHMARKS.md,
        # "Characters read twice").
        self.char_bilstm = CharBiLSTM(char_rows, char_width, char_bilstm_width // 2) if char_bilstm_width else None
        self.vectors_width = vectors_width
        # The character encoders' output, side by side (what char_head_indices' heads read too).
        char_encoding_width = (self.chars.output_width if char_rows else 0) + (
            self.char_bilstm.output_width if char_bilstm_width else 0
        )
        input_width = sum(feature_widths) + char_encoding_width + vectors_width
        self.input_dropout = nn.Dropout(dropout)
        lstm_width = hidden_width * (2 if bidirectional else 1)
        # lstm_residual: each layer above the first adds its input to its
        # output (x + LSTM(dropout(x)), UDPipe 2's), so the layers are
        # separate modules: self.lstm is the first, upper_lstms the rest.
        # Without it one nn.LSTM holds every layer, with its dropout between them.
        # Built before self.lstm: the runs BENCHMARKS.md quotes drew their
        # initial weights in this order.
        self.upper_lstms = (
            nn.ModuleList(
                nn.LSTM(lstm_width, hidden_width, bidirectional=bidirectional, batch_first=True)
                for _ in range(depth - 1)
            )
            if lstm_residual
            else None
        )
        self.lstm = nn.LSTM(
            input_width,
            hidden_width,
            num_layers=1 if lstm_residual else depth,
            bidirectional=bidirectional,
            dropout=dropout if depth > 1 and not lstm_residual else 0.0,
            batch_first=True,
        )
        self.layer_dropout = nn.Dropout(dropout) if lstm_residual else None
        self.output_dropout = nn.Dropout(dropout)
        try:
            check_head_tanh_layer(head_tanh_layer)
        except ValueError as error:
            raise ValueError(f"LSTMTagger: {error}") from None
        # head_tanh_layer: each head reads the LSTM's output through its own
        # residual tanh layer (x + tanh(W x + b), UDPipe 2's), so the heads
        # need not share one representation; one Linear computes the layer
        # for every head at once, then each head has its own output layer.
        # "shared": one such layer for all heads, then the shared output
        # layer: 1.03x-1.07x the default's update where the per-head layers
        # cost 1.21x (BENCHMARKS.md, "A tanh layer per head").
        if head_tanh_layer == "shared":
            self.head_tanh = nn.Linear(lstm_width, lstm_width)
            self.head_outputs = None
            self.output = nn.Linear(lstm_width, self.n_labels)
        elif head_tanh_layer:
            self.head_tanh = nn.Linear(lstm_width, len(self.head_sizes) * lstm_width)
            self.head_outputs = nn.ModuleList(nn.Linear(lstm_width, n) for n in self.head_sizes)
            self.output = None
        else:
            self.head_tanh = self.head_outputs = None
            self.output = nn.Linear(lstm_width, self.n_labels)
        # char_head_indices: these heads also read the word's character
        # encoding directly, not only through the LSTM (UDPipe 2 feeds it to
        # its lemma classifier: the rule to pick is mostly in the word's
        # spelling). One Linear without bias gives those heads' extra scores.
        self.char_head_indices = self._checked_char_head_indices(char_head_indices)
        try:
            self.training_product_dtype = training_product_dtype(training_precision)
        except ValueError as error:
            raise ValueError(f"LSTMTagger: {error}") from None
        self.char_to_heads = (
            nn.Linear(char_encoding_width, sum(self.head_sizes[k] for k in self.char_head_indices), bias=False)
            if self.char_head_indices
            else None
        )

    def _checked_char_head_indices(self, char_head_indices: Sequence[int]) -> Tuple[int, ...]:
        """The head numbers, sorted; ValueError for one out of range, twice,
        or without a character encoder to read."""
        indices = tuple(char_head_indices)
        n_heads = len(self.head_sizes)
        if (
            not all(isinstance(k, int) and not isinstance(k, bool) and 0 <= k < n_heads for k in indices)
            or len(set(indices)) != len(indices)
        ):
            raise ValueError(
                f"LSTMTagger: char_head_indices must be distinct head numbers from 0 to {n_heads - 1}, got {indices!r}."
            )
        if indices and self.chars is None:
            raise ValueError(
                f"LSTMTagger: char_head_indices {indices!r} needs a character encoder (char_rows > 0) for the heads to read."
            )
        return tuple(sorted(indices))

    def __setstate__(self, state):
        super().__setstate__(state)
        # A module pickled before char_bilstm_width, head_tanh_layer,
        # char_head_indices or lstm_residual existed has none of them.
        for name in ("char_bilstm", "head_tanh", "head_outputs", "char_to_heads", "upper_lstms", "layer_dropout"):
            if name not in self._modules:
                self.__dict__.setdefault(name, None)
        self.__dict__.setdefault("char_head_indices", ())
        self.__dict__.setdefault("training_product_dtype", None)

    def output_layers(self) -> List[nn.Linear]:
        """The Linear layers that give the scores: the one shared by every
        head, or each head's own (head_tanh_layer), and the one from the
        character encoding to char_head_indices' heads."""
        layers = [self.output] if self.output is not None else list(self.head_outputs)
        return layers + ([self.char_to_heads] if self.char_to_heads is not None else [])

    def embed(
        self,
        features: torch.Tensor,
        token_index: torch.Tensor,
        chars: Optional[torch.Tensor],
        vectors: Optional[torch.Tensor],
    ) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        """(n_tokens, input_width): word-type vectors gathered to tokens,
        then the per-token vectors; and each token's character encoding for
        the heads that read it (char_head_indices; None without them), a
        view of those rows' last character columns, not a copy."""
        columns: List[torch.Tensor] = []
        char_tokens = None
        if len(self.embeddings):
            # index_select, not tensor[index]: the backward of advanced indexing
            # accumulates repeated indices in a thread-dependent order on the CPU,
            # so training with 2+ threads did not repeat exactly for a seed.
            words = torch.index_select(self.embeddings[0](features[:, 0]), 0, token_index)
            if self.training and self.word_dropout > 0:
                drop = torch.rand(words.shape[0], 1, device=words.device) < self.word_dropout
                # Row 0 ("unknown") stays zero: padding_idx gets no gradient.
                words = words.masked_fill(drop, 0.0)
            columns.append(words)
        rest = [table(features[:, i]) for i, table in enumerate(self.embeddings) if i]
        if self.chars is not None:
            if chars is None:
                raise ValueError("LSTMTagger was built with a character encoder but got no characters.")
            rest.append(self.chars(chars))
            if self.char_bilstm is not None:
                rest.append(self.char_bilstm(chars))
        if rest:
            gathered = torch.index_select(torch.cat(rest, dim=1), 0, token_index)
            columns.append(gathered)
            if self.char_to_heads is not None:
                # The character encoders' columns come last in rest.
                char_tokens = gathered[:, gathered.shape[1] - self.char_to_heads.in_features:]
        if self.vectors_width:
            if vectors is None:
                raise ValueError("LSTMTagger was built with static vectors but got none.")
            columns.append(vectors)
        return torch.cat(columns, dim=1), char_tokens

    def forward(
        self,
        features: torch.Tensor,
        lengths: torch.Tensor,
        token_index: Optional[torch.Tensor] = None,
        chars: Optional[torch.Tensor] = None,
        vectors: Optional[torch.Tensor] = None,
    ) -> torch.Tensor:
        """features: (n_words, n_features) int64 ids of the batch's distinct
        words; token_index: (n_tokens,) row of features for each token (None:
        one row per token); lengths: (n_sequences,) int64 on the CPU, summing to
        n_tokens; chars: (n_words, max_chars) or None; vectors: (n_tokens,
        vectors_width) float rows in token order, or None: static vectors
        and/or an upstream model's output (a shared tok2vec or transformer;
        give them requires_grad for their gradient). Returns (n_tokens,
        n_labels) log-probabilities."""
        if token_index is None:
            token_index = torch.arange(features.shape[0], device=features.device)
        if token_index.shape[0] == 0:
            # Nothing to read (a batch of whitespace tokens): an empty output,
            # which a training backward accepts.
            return features.new_zeros((0, self.n_labels), dtype=torch.float32).requires_grad_(self.training)
        embedded, char_tokens = self.embed(features, token_index, chars, vectors)
        embedded = dropout(embedded, self.input_dropout)
        lengths = lengths.cpu()
        if len(lengths) == 1 or bool((lengths == lengths[0]).all()):
            # Sequences of one length (one sentence per call, as a web service
            # tags): they are consecutive rows of the flat tokens, so a plain
            # (n_sequences, length) batch needs no packing, and no padding.
            # Same result as the packed path, with a dozen fewer small ops.
            batch = embedded.view(len(lengths), int(lengths[0]), embedded.shape[1])
            hidden, _ = self.lstm(batch)
            for layer in self.upper_lstms or ():
                hidden = hidden + layer(dropout(hidden, self.layer_dropout))[0]
            flat = hidden.reshape(embedded.shape[0], hidden.shape[2])
            return self.log_probs(flat, char_tokens)
        packed_rows, batch_sizes = packed_order(lengths)
        packed_rows = packed_rows.to(embedded.device)
        # The LSTM reads the tokens straight from their packed (time-major,
        # longest sequence first) order: no padding is ever materialized, so a
        # 500-token sequence in a batch of 5-token ones costs its own tokens.
        packed = torch.index_select(embedded, 0, packed_rows)
        hidden = self._packed_layers(self.lstm, packed, batch_sizes)
        for layer in self.upper_lstms or ():
            hidden = hidden + self._packed_layers(layer, dropout(hidden, self.layer_dropout), batch_sizes)
        # Back to flat (input) order.
        unpack = torch.empty_like(packed_rows)
        unpack[packed_rows] = torch.arange(len(packed_rows), device=packed_rows.device)
        flat = torch.index_select(hidden, 0, unpack)
        return self.log_probs(flat, char_tokens)

    def _packed_layers(self, lstm: nn.LSTM, packed: torch.Tensor, batch_sizes: torch.Tensor) -> torch.Tensor:
        """lstm over packed rows (a PackedSequence's data), its output's data."""
        if self.training and packed.device.type == "cpu" and packed_lstm_supported(lstm):
            # The same function, with a backward that costs what the tokens
            # cost (packed_lstm, below); prediction keeps nn.LSTM.
            return packed_lstm(lstm, packed, batch_sizes, self.training_product_dtype)
        return lstm(PackedSequence(packed, batch_sizes))[0].data

    def log_probs(self, hidden: torch.Tensor, char_tokens: Optional[torch.Tensor] = None) -> torch.Tensor:
        """(n_tokens, n_labels): each head's log_softmax, side by side.
        hidden: the LSTM's output in token order; char_tokens: each token's
        character encoding (embed), for char_head_indices."""
        hidden = dropout(hidden, self.output_dropout)
        if self.head_tanh is not None:
            # tanh(a) as 2 sigmoid(2a) - 1, the 2a from the product itself:
            # torch's CPU tanh costs five to seven times its sigmoid. The
            # tanh layer's product follows training_precision.
            if self.training and self.training_product_dtype is not None and hidden.device.type == "cpu":
                (doubled,) = low_precision_linear(
                    hidden, [self.head_tanh.weight], [self.head_tanh.bias], self.training_product_dtype
                )
                doubled = doubled.mul_(2.0)
            else:
                doubled = torch.addmm(self.head_tanh.bias, hidden, self.head_tanh.weight.t(), beta=2.0, alpha=2.0)
            update = doubled.sigmoid_() * 2.0 - 1.0
            if self.head_outputs is None:
                # One layer for every head (head_tanh_layer = "shared").
                hidden = hidden + dropout(update, self.output_dropout)
        if self.output is not None:
            # Float32 under training_precision too, and so the scores: in
            # bfloat16 the output layer saved about 1.2 ms of an 80 ms update
            # (timed alone) and moved no dev score (BENCHMARKS.md, "The cost
            # of an update").
            scores = self.output(hidden)
        else:
            n_heads = len(self.head_sizes)
            per_head = hidden.unsqueeze(1) + dropout(update.view(-1, n_heads, hidden.shape[1]), self.output_dropout)
            scores = torch.cat([out(per_head[:, k]) for k, out in enumerate(self.head_outputs)], dim=1)
        if len(self.head_sizes) == 1 and self.char_to_heads is None:
            return torch.log_softmax(scores, dim=-1)
        per_head = list(scores.split(self.head_sizes, dim=1))
        if self.char_to_heads is not None:
            if char_tokens is None:
                raise ValueError("LSTMTagger was built with char_head_indices but got no character encoding.")
            extra = self.char_to_heads(dropout(char_tokens, self.output_dropout))
            sizes = [self.head_sizes[k] for k in self.char_head_indices]
            for k, head_extra in zip(self.char_head_indices, extra.split(sizes, dim=1)):
                per_head[k] = per_head[k] + head_extra
        return torch.cat([torch.log_softmax(s, dim=-1) for s in per_head], dim=1)


def packed_order(lengths: torch.Tensor):
    """For sequences of the given lengths laid end to end in a flat tensor,
    the flat row of each element of their PackedSequence, and its batch_sizes.

    Packing is time-major over the sequences sorted longest first: step t holds
    the t-th token of every sequence longer than t. Empty sequences drop out.
    """
    lengths = lengths.to(torch.int64)
    starts = torch.cumsum(lengths, 0) - lengths
    order = torch.argsort(lengths, descending=True, stable=True)
    sorted_lengths = lengths[order]
    max_length = int(sorted_lengths[0]) if len(sorted_lengths) else 0
    steps = torch.arange(max_length)
    # (max_length, n_sequences): flat row of token t of the i-th longest sequence.
    rows = starts[order].unsqueeze(0) + steps.unsqueeze(1)
    valid = steps.unsqueeze(1) < sorted_lengths.unsqueeze(0)
    batch_sizes = valid.sum(dim=1)
    return rows[valid], batch_sizes
