"""The pure PyTorch module: packing makes outputs batch-invariant."""
import pytest
import torch

from spacy_lstm_tagger.torch_model import LSTMTagger


def make_module(**kwargs):
    torch.manual_seed(0)
    settings = dict(n_labels=5, feature_rows=[50, 20], feature_widths=[8, 4], hidden_width=6, depth=2, char_rows=0)
    settings.update(kwargs)
    return LSTMTagger(**settings).eval()


def random_features(n_tokens, seed):
    generator = torch.Generator().manual_seed(seed)
    return torch.stack(
        [torch.randint(1, 50, (n_tokens,), generator=generator), torch.randint(1, 20, (n_tokens,), generator=generator)],
        dim=1,
    )


def test_output_is_log_probabilities_per_token():
    module = make_module()
    out = module(random_features(7, 0), torch.tensor([3, 4]))
    assert out.shape == (7, 5)
    assert torch.allclose(out.exp().sum(dim=1), torch.ones(7), atol=1e-5)


def test_sequence_scores_do_not_depend_on_batch():
    module = make_module()
    short = random_features(3, 1)
    long = random_features(40, 2)
    alone = module(short, torch.tensor([3]))
    batched = module(torch.cat([long, short, long]), torch.tensor([40, 3, 40]))
    assert torch.allclose(alone, batched[40:43], atol=1e-6)


def test_empty_sequences_and_empty_batch():
    module = make_module()
    features = random_features(4, 3)
    with_empty = module(features, torch.tensor([0, 4, 0]))
    assert torch.allclose(with_empty, module(features, torch.tensor([4])), atol=1e-6)
    assert module(features[:0], torch.tensor([0, 0])).shape == (0, 5)


def test_word_dropout_only_in_training():
    module = make_module(word_dropout=1.0, dropout=0.0)
    features = random_features(6, 4)
    lengths = torch.tensor([6])
    # With every word dropped, training output equals output for "unknown" words.
    unknown = features.clone()
    unknown[:, 0] = 0
    module.train()
    torch.manual_seed(1)
    dropped = module(features, lengths)
    module.eval()
    assert torch.allclose(dropped, module(unknown, lengths), atol=1e-6)
    assert not torch.allclose(module(features, lengths), module(unknown, lengths))


@pytest.mark.parametrize("name", ["torch_model", "torch_training"])
def test_module_imports_only_torch(name):
    """The plain PyTorch layer imports torch and typing, and nothing of the
    package but its other torch-only module."""
    import ast
    import importlib
    import inspect

    module = importlib.import_module(f"spacy_lstm_tagger.{name}")
    tree = ast.parse(inspect.getsource(module))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            roots.add("." + node.module if node.level else node.module.split(".")[0])
    assert roots <= {"torch", "typing", ".torch_training"}


def test_packed_order_matches_torch_packing():
    from torch.nn.utils.rnn import pack_sequence

    from spacy_lstm_tagger.torch_model import packed_order

    lengths = torch.tensor([2, 0, 5, 3, 5, 1])
    flat = torch.arange(int(lengths.sum()))
    rows, batch_sizes = packed_order(lengths)
    sequences = [s for s in torch.split(flat, lengths.tolist()) if len(s)]
    reference = pack_sequence(sequences, enforce_sorted=False)
    assert batch_sizes.tolist() == reference.batch_sizes.tolist()
    # Same tokens at each time step (ties between equal lengths may be ordered
    # differently, which does not change any sequence's result).
    start = 0
    for size in batch_sizes.tolist():
        assert sorted(flat[rows[start : start + size]].tolist()) == sorted(reference.data[start : start + size].tolist())
        start += size


def test_gradients_flow_through_packing():
    module = make_module().train()
    features = random_features(9, 5)
    out = module(features, torch.tensor([4, 5]))
    out[:, 0].sum().backward()
    assert module.embeddings[1].weight.grad.abs().sum() > 0
    assert module.lstm.weight_ih_l0.grad.abs().sum() > 0


def test_char_cnn_end_positions_read_the_last_characters():
    from spacy_lstm_tagger.torch_model import CharCNN

    torch.manual_seed(0)
    cnn = CharCNN(rows=20, width=4, filters=3, end_positions=2)
    chars = torch.tensor([[5, 6, 7, 0, 0], [8, 0, 0, 0, 0]])
    out = cnn(chars)
    assert out.shape == (2, 9) and cnn.output_width == 9
    hidden = torch.relu(cnn.conv(cnn.embedding(chars).transpose(1, 2))) * (chars != 0).unsqueeze(1)
    assert torch.equal(out[:, :3], hidden.max(dim=2).values)
    # Word 1: its last character (position 2), then the one before (1).
    assert torch.equal(out[0, 3:6], hidden[0, :, 2]) and torch.equal(out[0, 6:], hidden[0, :, 1])
    # A one-character word repeats its only character's column.
    assert torch.equal(out[1, 3:6], hidden[1, :, 0]) and torch.equal(out[1, 6:], hidden[1, :, 0])
    # Off (the default): the max alone, as before.
    assert CharCNN(rows=20, width=4, filters=3).output_width == 3


def test_char_bilstm_reads_each_word_alone_in_order():
    from spacy_lstm_tagger.torch_model import CharBiLSTM

    torch.manual_seed(0)
    encoder = CharBiLSTM(rows=20, width=4, hidden=3).eval()
    chars = torch.tensor([[5, 6, 7, 0, 0], [8, 0, 0, 0, 0], [7, 6, 5, 0, 0], [0, 0, 0, 0, 0]])
    out = encoder(chars)
    assert out.shape == (4, 6) and encoder.output_width == 6
    for row, length in ((0, 3), (1, 1), (2, 3)):
        # The same word run alone, without padding: forward state after its
        # last character, backward state after its first.
        alone, _ = encoder.lstm(encoder.embedding(chars[row : row + 1, :length]))
        assert torch.allclose(out[row, :3], alone[0, -1, :3], atol=1e-6)
        assert torch.allclose(out[row, 3:], alone[0, 0, 3:], atol=1e-6)
    # The same characters in another order are another word.
    assert not torch.allclose(out[0], out[2])
    # A word without characters reads one padding character (a zero vector).
    alone, _ = encoder.lstm(torch.zeros(1, 1, 4))
    assert torch.allclose(out[3], torch.cat([alone[0, 0, :3], alone[0, 0, 3:]]), atol=1e-6)
    assert encoder(chars[:0]).shape == (0, 6)


def char_inputs():
    """Nine words' features and characters (three each, then padding)."""
    chars = torch.randint(1, 30, (9, 5), generator=torch.Generator().manual_seed(5))
    chars[:, 3:] = 0
    return random_features(9, 4), chars


def assert_batch_invariant_then_backward(module, features, chars):
    """A sequence tags alone as in a batch; then one training backward."""
    alone = module(features[:4], torch.tensor([4]), chars=chars[:4])
    batched = module(features, torch.tensor([4, 5]), chars=chars)
    assert torch.allclose(alone, batched[:4], atol=1e-6)
    module.train()
    module(features, torch.tensor([4, 5]), chars=chars)[:, 0].sum().backward()


def test_tagger_with_char_bilstm_is_batch_invariant_and_trains_it():
    module = make_module(char_rows=30, char_width=4, char_filters=6, char_encoder="bilstm")
    assert_batch_invariant_then_backward(module, *char_inputs())
    assert module.chars.lstm.weight_ih_l0.grad.abs().sum() > 0
    assert module.chars.embedding.weight.grad.abs().sum() > 0


def test_a_char_bilstm_beside_the_cnn_adds_its_final_states_to_the_cnns_max():
    module = make_module(char_rows=30, char_width=4, char_filters=5, char_bilstm_width=6).eval()
    assert module.chars.output_width == 5 and module.char_bilstm.output_width == 6
    assert module.lstm.input_size == sum(t.embedding_dim for t in module.embeddings) + 5 + 6
    features, chars = char_inputs()
    embedded, _ = module.embed(features, torch.arange(9), chars, None)
    # After the hashed features: the CNN's columns, then the BiLSTM's, each
    # what the encoder alone gives.
    width = embedded.shape[1]
    assert torch.equal(embedded[:, width - 11 : width - 6], module.chars(chars))
    assert torch.equal(embedded[:, width - 6 :], module.char_bilstm(chars))
    assert_batch_invariant_then_backward(module, features, chars)
    assert module.char_bilstm.lstm.weight_ih_l0.grad.abs().sum() > 0
    assert module.chars.conv.weight.grad.abs().sum() > 0
    # Off (the default): no BiLSTM, the CNN alone.
    assert make_module(char_rows=30, char_width=4).char_bilstm is None


def test_each_head_reads_the_lstm_through_its_own_residual_tanh_layer():
    module = make_module(n_labels=[3, 4], char_rows=30, char_width=4, head_tanh_layer=True)
    features, chars = char_inputs()
    out = module(features, torch.tensor([4, 5]), chars=chars)
    # Each head's columns are a distribution of their own.
    assert torch.allclose(out[:, :3].exp().sum(dim=1), torch.ones(9), atol=1e-5)
    assert torch.allclose(out[:, 3:].exp().sum(dim=1), torch.ones(9), atol=1e-5)
    # Head k: its output layer over x + tanh(W_k x + b_k), x the LSTM's
    # output for the token; W_k is rows k*width..(k+1)*width of the one Linear.
    hidden = module.lstm(module.embed(features, torch.arange(9), chars, None)[0][:4].unsqueeze(0))[0][0]
    width = hidden.shape[1]
    for k, (columns, head) in enumerate(zip((slice(0, 3), slice(3, 7)), module.head_outputs)):
        rows = slice(k * width, (k + 1) * width)
        x = hidden + torch.tanh(hidden @ module.head_tanh.weight[rows].T + module.head_tanh.bias[rows])
        assert torch.allclose(out[:4, columns], torch.log_softmax(head(x), dim=1), atol=1e-5)
    assert_batch_invariant_then_backward(module, features, chars)
    assert module.head_tanh.weight.grad.abs().sum() > 0
    # The loss read head 0's first column only: head 1's output layer gets no gradient.
    assert module.head_outputs[0].weight.grad.abs().sum() > 0
    assert module.head_outputs[1].weight.grad is None or module.head_outputs[1].weight.grad.abs().sum() == 0
    # Off (the default): one output layer for every head.
    plain = make_module(n_labels=[3, 4])
    assert plain.head_tanh is None and plain.head_outputs is None and plain.output.out_features == 7


def test_shared_tanh_layer_is_one_residual_layer_before_the_shared_output_layer():
    module = make_module(n_labels=[3, 4], char_rows=30, char_width=4, head_tanh_layer="shared")
    features, chars = char_inputs()
    out = module(features, torch.tensor([4, 5]), chars=chars)
    assert torch.allclose(out[:, :3].exp().sum(dim=1), torch.ones(9), atol=1e-5)
    assert torch.allclose(out[:, 3:].exp().sum(dim=1), torch.ones(9), atol=1e-5)
    # Every head: its columns of the one output layer over x + tanh(W x + b).
    hidden = module.lstm(module.embed(features, torch.arange(9), chars, None)[0][:4].unsqueeze(0))[0][0]
    assert module.head_tanh.weight.shape == (hidden.shape[1], hidden.shape[1]) and module.head_outputs is None
    scores = module.output(hidden + torch.tanh(hidden @ module.head_tanh.weight.T + module.head_tanh.bias))
    for columns in (slice(0, 3), slice(3, 7)):
        assert torch.allclose(out[:4, columns], torch.log_softmax(scores[:, columns], dim=1), atol=1e-5)
    assert module.output_layers() == [module.output]
    assert_batch_invariant_then_backward(module, features, chars)
    assert module.head_tanh.weight.grad.abs().sum() > 0


def test_residual_layers_add_their_input_to_their_output():
    module = make_module(depth=3, lstm_residual=True)
    assert module.lstm.num_layers == 1 and len(module.upper_lstms) == 2
    features, lengths = random_features(9, 6), torch.tensor([4, 5])
    # x + LSTM(x) for each layer above the first (eval: no dropout between them).
    embedded = module.embed(features, torch.arange(9), None, None)[0]
    for rows in (slice(0, 4), slice(4, 9)):
        hidden = module.lstm(embedded[rows].unsqueeze(0))[0]
        for layer in module.upper_lstms:
            hidden = hidden + layer(hidden)[0]
        scores = module.output(hidden[0])
        assert torch.allclose(module(features, lengths)[rows], torch.log_softmax(scores, dim=1), atol=1e-5)
    # Batch-invariant (packed and plain paths alike), and every layer trains.
    long = random_features(30, 7)
    alone = module(features[:4], torch.tensor([4]))
    assert torch.allclose(alone, module(torch.cat([long, features[:4]]), torch.tensor([30, 4]))[30:], atol=1e-6)
    module.train()
    module(torch.cat([long, features]), torch.tensor([30, 4, 5]))[:, 0].sum().backward()
    assert all(layer.weight_hh_l0.grad.abs().sum() > 0 for layer in module.upper_lstms)
    # Off (the default): one nn.LSTM holds every layer, with its dropout between them.
    plain = make_module(depth=3)
    assert plain.upper_lstms is None and plain.lstm.num_layers == 3 and plain.lstm.dropout == 0.3


def test_char_heads_read_the_character_encoding_beside_the_lstm():
    module = make_module(
        n_labels=[3, 4, 5], char_rows=30, char_width=4, char_filters=6, char_bilstm_width=4, char_head_indices=[2, 0]
    )
    assert module.char_head_indices == (0, 2) and module.char_to_heads.bias is None
    torch.nn.init.normal_(module.char_to_heads.weight)
    features, chars = char_inputs()
    out = module(features, torch.tensor([4, 5]), chars=chars)
    # Heads 0 and 2: the output layer over the LSTM's output plus the one
    # bias-free Linear over the word's CNN and char BiLSTM encodings (its
    # rows: head 0's 3 labels, then head 2's 5); head 1 reads the LSTM alone.
    hidden = module.lstm(module.embed(features, torch.arange(9), chars, None)[0][:4].unsqueeze(0))[0][0]
    encoding = torch.cat([module.chars(chars), module.char_bilstm(chars)], dim=1)[:4]
    assert encoding.shape[1] == module.char_to_heads.in_features == 6 + 4
    base, extra = module.output(hidden), encoding @ module.char_to_heads.weight.T
    expected = [base[:, :3] + extra[:, :3], base[:, 3:7], base[:, 7:] + extra[:, 3:]]
    for columns, scores in zip((slice(0, 3), slice(3, 7), slice(7, 12)), expected):
        assert torch.allclose(out[:4, columns], torch.log_softmax(scores, dim=1), atol=1e-5)
    assert_batch_invariant_then_backward(module, features, chars)
    # The loss read head 0: its rows of the Linear learn, head 2's do not.
    grad = module.char_to_heads.weight.grad
    assert grad[:3].abs().sum() > 0 and grad[3:].abs().sum() == 0
    # Off (the default): the heads read the LSTM alone.
    plain = make_module(n_labels=[3, 4], char_rows=30, char_width=4)
    assert plain.char_to_heads is None and plain.char_head_indices == ()


@pytest.mark.parametrize(
    "settings,message",
    [
        ({"char_head_indices": [1]}, r"char_head_indices must be distinct head numbers from 0 to 0, got \(1,\)"),
        ({"n_labels": [3, 4], "char_head_indices": [1, 1]}, r"char_head_indices must be distinct head numbers from 0 to 1, got \(1, 1\)"),
        ({"char_head_indices": [True]}, r"char_head_indices must be distinct head numbers from 0 to 0, got \(True,\)"),
        ({"char_rows": 0, "char_head_indices": [0]}, r"char_head_indices \(0,\) needs a character encoder \(char_rows > 0\)"),
    ],
)
def test_char_head_indices_are_checked(settings, message):
    with pytest.raises(ValueError, match="^LSTMTagger: " + message):
        make_module(**{"char_rows": 30, "char_width": 4, **settings})


@pytest.mark.parametrize("value", [1, "per_head", None])
def test_head_tanh_layer_must_be_a_bool_or_shared(value):
    with pytest.raises(ValueError, match=f'^LSTMTagger: head_tanh_layer must be true, false or "shared", got {value!r}'):
        make_module(head_tanh_layer=value)


def test_a_module_pickled_before_char_bilstm_width_or_head_tanh_layer_loads_without_them():
    module = make_module(char_rows=30, char_width=4)
    state = module.__getstate__()
    for name in ("char_bilstm", "head_tanh", "head_outputs", "char_to_heads", "char_head_indices", "upper_lstms",
                 "layer_dropout"):
        if name in state:
            del state[name]
        else:
            del state["_modules"][name]
    restored = LSTMTagger.__new__(LSTMTagger)
    restored.__setstate__(state)
    assert restored.char_bilstm is None and restored.head_tanh is None and restored.head_outputs is None
    assert restored.char_to_heads is None and restored.char_head_indices == ()
    assert restored.upper_lstms is None and restored.layer_dropout is None
    features = random_features(4, 4)
    chars = torch.randint(1, 30, (4, 5), generator=torch.Generator().manual_seed(5))
    assert torch.equal(restored.eval()(features, torch.tensor([4]), chars=chars), module.eval()(features, torch.tensor([4]), chars=chars))


@pytest.mark.parametrize(
    "settings,message",
    [
        ({"char_bilstm_width": 7}, "char_bilstm_width must be even .half per direction., got 7"),
        ({"char_bilstm_width": -2}, "char_bilstm_width must be 0 .none. or an even integer >= 2, got -2"),
        ({"char_bilstm_width": 8, "char_encoder": "bilstm"}, "char_bilstm_width must be 0 unless the character CNN is on"),
        ({"char_encoder": "gru"}, "char_encoder must be 'cnn' or 'bilstm', got 'gru'"),
        ({"char_encoder": "bilstm", "char_filters": 7}, "char_filters must be even with char_encoder = 'bilstm'.*got 7"),
        ({"char_encoder": "bilstm", "char_end_positions": 1}, "char_end_positions must be 0 with char_encoder = 'bilstm'"),
    ],
)
def test_a_char_encoder_that_cannot_work_is_refused(settings, message):
    # The same rule (torch_model.check_char_encoder) as the architecture's.
    with pytest.raises(ValueError, match=f"^LSTMTagger: {message}"):
        make_module(char_rows=30, char_width=4, **settings)
