// SPDX-License-Identifier: Apache-2.0
// tflite_reader_fuzz.cpp: mutation smoke-fuzzer for Sources/TinycTFLiteFlatBuffers (the C API in
// tinyc_tflite.h). Built with ASan + UBSan by Scripts/fuzz-tflite-reader.sh; any sanitizer report
// aborts the run with a non-zero exit.
//
// Usage: tflite_reader_fuzz MUTATIONS_PER_MODEL SEED MODEL.tflite...
//
// For each model: the unmodified file must open; then MUTATIONS_PER_MODEL deterministic mutants
// (seeded bit flips, byte sets, 16-bit vtable entry sets, 32-bit offsets overwritten with
// out-of-range values, truncations, and mixes of these) are each passed to tc_tfl_open() in an
// exactly sized heap block, and every mutant that opens is walked through every accessor over
// every index (plus a few past the end), touching the first and last element of everything
// handed out. Mutations land mostly outside the weight bytes, where the flatbuffer's structure is.
// Prints one line per model and a total: how many mutants opened and how many were rejected, by
// reason.

#include "tinyc_tflite.h"
#include "tflite_subset_generated.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

static volatile uint64_t sink;  // keeps the reads below from being optimized away

// splitmix64: small, seedable, good enough to pick positions and values.
struct Random {
    uint64_t state;
    uint64_t next() {
        uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    size_t below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(next() % n); }
};

// Reads the first and last bytes of [p, p + n) and a sample in between.
static void touch(const void *p, size_t n) {
    if (p == NULL || n == 0) return;
    const uint8_t *b = static_cast<const uint8_t *>(p);
    uint64_t s = b[0] + b[n - 1];
    for (size_t i = 0; i < n; i += 97) s += b[i];
    sink = sink + s;
}

static void touch_ints(tc_tfl_ints v) { touch(v.data, v.count * sizeof(int32_t)); }
static void touch_string(tc_tfl_string s) { touch(s.data, s.length); }

// Calls every accessor over every index, and a few indices past each end.
static void walk(const tc_tfl_model *m) {
    sink = sink + tc_tfl_version(m);
    touch_string(tc_tfl_description(m));
    const size_t extra = 3;
    for (size_t i = 0; i < tc_tfl_opcode_count(m) + extra; i++) {
        struct tc_tfl_opcode c;
        if (tc_tfl_opcode(m, i, &c) == 0) {
            touch_string(c.custom_code);
            sink = sink + static_cast<uint32_t>(c.builtin_code) + static_cast<uint32_t>(c.version);
        }
    }
    tc_tfl_opcode(m, SIZE_MAX, NULL);
    for (size_t i = 0; i < tc_tfl_buffer_count(m) + extra; i++) {
        const uint8_t *data = NULL;
        size_t size = 0;
        if (tc_tfl_buffer(m, i, &data, &size) == 0) touch(data, size);
    }
    for (size_t g = 0; g < tc_tfl_subgraph_count(m) + extra; g++) {
        touch_ints(tc_tfl_subgraph_inputs(m, g));
        touch_ints(tc_tfl_subgraph_outputs(m, g));
        touch_string(tc_tfl_subgraph_name(m, g));
        for (size_t i = 0; i < tc_tfl_tensor_count(m, g) + extra; i++) {
            struct tc_tfl_tensor t;
            if (tc_tfl_tensor(m, g, i, &t) != 0) continue;
            touch_string(t.name);
            touch_ints(t.shape);
            touch(t.scale, t.scale_count * sizeof(float));
            touch(t.zero_point, t.zero_point_count * sizeof(int64_t));
            sink = sink + static_cast<uint8_t>(t.type) + t.buffer + static_cast<uint32_t>(t.quantized_dimension);
        }
        for (size_t i = 0; i < tc_tfl_operator_count(m, g) + extra; i++) {
            struct tc_tfl_operator o;
            if (tc_tfl_operator(m, g, i, &o) != 0) continue;
            touch_ints(o.inputs);
            touch_ints(o.outputs);
            touch_ints(o.options.new_shape);
            touch_ints(o.options.squeeze_dims);
            sink = sink + o.opcode_index + o.options.type + static_cast<uint32_t>(o.options.stride_w);
        }
    }
}

// The byte ranges of the model's inline Buffer.data (weights): mutating those only changes values.
static std::vector<std::pair<size_t, size_t>> weight_ranges(const std::vector<uint8_t> &file) {
    std::vector<std::pair<size_t, size_t>> ranges;
    const tflite::Model *model = tflite::GetModel(file.data());
    if (model->buffers() == NULL) return ranges;
    for (const tflite::Buffer *b : *model->buffers()) {
        if (b->data() == NULL || b->data()->size() < 64) continue;
        size_t start = static_cast<size_t>(b->data()->data() - file.data());
        ranges.push_back({start, start + b->data()->size()});
    }
    return ranges;
}

// A position to mutate: 90% of the time outside the weight bytes.
static size_t pick_position(Random &rng, size_t size, const std::vector<std::pair<size_t, size_t>> &weights) {
    for (int attempt = 0; attempt < 64; attempt++) {
        size_t p = rng.below(size);
        bool in_weights = false;
        for (const auto &r : weights) in_weights = in_weights || (p >= r.first && p < r.second);
        if (!in_weights || rng.below(10) == 0) return p;
    }
    return rng.below(size);
}

static void put32(std::vector<uint8_t> &b, size_t at, uint32_t v) {
    if (at + 4 > b.size()) return;
    for (int i = 0; i < 4; i++) b[at + i] = static_cast<uint8_t>(v >> (8 * i));
}

static std::vector<uint8_t> mutate(const std::vector<uint8_t> &original, Random &rng,
                                   const std::vector<std::pair<size_t, size_t>> &weights) {
    std::vector<uint8_t> b = original;
    int edits = 1 + static_cast<int>(rng.below(4));
    for (int e = 0; e < edits && !b.empty(); e++) {
        size_t p = pick_position(rng, b.size(), weights);
        switch (rng.below(6)) {
        case 0:  // bit flips
            for (size_t i = 0, n = 1 + rng.below(8); i < n; i++) {
                size_t q = pick_position(rng, b.size(), weights);
                b[q] = static_cast<uint8_t>(b[q] ^ (1u << rng.below(8)));
            }
            break;
        case 1: {  // byte sets
            static const uint8_t interesting[] = {0x00, 0x01, 0x7f, 0x80, 0xff, 0x10, 0x40};
            for (size_t i = 0, n = 1 + rng.below(8); i < n; i++) {
                size_t q = pick_position(rng, b.size(), weights);
                b[q] = rng.below(2) ? interesting[rng.below(sizeof interesting)] : static_cast<uint8_t>(rng.next());
            }
            break;
        }
        case 2: {  // a 16-bit vtable entry (voffset / vtable size)
            p &= ~static_cast<size_t>(1);
            uint16_t v = rng.below(2) ? static_cast<uint16_t>(rng.next()) : static_cast<uint16_t>(rng.below(64));
            if (p + 2 <= b.size()) {
                b[p] = static_cast<uint8_t>(v);
                b[p + 1] = static_cast<uint8_t>(v >> 8);
            }
            break;
        }
        case 3: {  // a 32-bit offset overwritten with an out-of-range or odd value
            p &= ~static_cast<size_t>(3);
            const uint32_t n = static_cast<uint32_t>(b.size());
            const uint32_t values[] = {n, n + 4, n - 2, 0xffffffffu, 0x7fffffffu, 0x80000000u, 0xfffffffcu,
                                       static_cast<uint32_t>(rng.next()), static_cast<uint32_t>(rng.below(n)),
                                       static_cast<uint32_t>(rng.below(64)) * 4 + 1, 0};
            put32(b, p, values[rng.below(sizeof values / sizeof values[0])]);
            break;
        }
        case 4:  // the root offset or a vector length near the front
            put32(b, rng.below(2) ? 0 : (rng.below(b.size() < 256 ? b.size() : 256) & ~static_cast<size_t>(3)),
                  static_cast<uint32_t>(rng.next()));
            break;
        default:  // truncation
            b.resize(rng.below(b.size()));
            break;
        }
    }
    return b;
}

// Opens `bytes` from an exactly sized heap block (so reading past the end is an ASan report)
// and walks it. Returns true when it opened; otherwise files the reason under `rejected`.
static bool open_and_walk(const std::vector<uint8_t> &bytes, std::map<std::string, int> &rejected) {
    uint8_t *copy = static_cast<uint8_t *>(malloc(bytes.empty() ? 1 : bytes.size()));
    if (!bytes.empty()) memcpy(copy, bytes.data(), bytes.size());
    char error[256];
    tc_tfl_model *m = tc_tfl_open(copy, bytes.size(), error, sizeof error);
    free(copy);  // the model owns its own copy
    if (m == NULL) {
        std::string reason(error);
        if (reason.empty()) reason = "(no message)";
        if (reason.compare(0, 8, "file is ") == 0) reason = "file is N bytes, too short for a TFLite flatbuffer";
        rejected[reason]++;
        return false;
    }
    walk(m);
    tc_tfl_close(m);
    return true;
}

// MARK: - A synthetic model

// A small model built with the generated builder, covering what the MLPerf files do not: every
// options table the reader decodes, an unknown union tag, op codes above 127, a custom op, sparsity,
// custom quantization, an absent shape, and buffers stored after the flatbuffer (Buffer.offset),
// in range and out of it. `external` is where the 8 bytes of external data start.
static std::vector<uint8_t> synthetic_model(uint64_t *external_out) {
    using namespace tflite;
    // Built twice: the first pass measures the flatbuffer, the second stores the real offset. The
    // placeholder is non-zero so both passes store the same fields and the layout does not move.
    uint64_t external = 2;
    std::vector<uint8_t> file;
    for (int pass = 0; pass < 2; pass++) {
        flatbuffers::FlatBufferBuilder b;
        const uint8_t inline_bytes[] = {10, 20, 30, 40};
        std::vector<flatbuffers::Offset<Buffer>> buffers = {
            CreateBuffer(b),                                             // 0: the empty sentinel
            CreateBuffer(b, b.CreateVector(inline_bytes, 4)),             // 1: inline
            CreateBuffer(b, 0, external, 8),                              // 2: external, in range
            CreateBuffer(b, 0, external, 9),                              // 3: one byte past the end
            CreateBuffer(b, 0, 1ull << 40, 1),                            // 4: far past the end
            CreateBuffer(b, 0, UINT64_MAX, 2),                            // 5: offset + size overflows
            CreateBuffer(b, 0, 1, 5),                                     // 6: offset 1 means none
            CreateBuffer(b, b.CreateVector(inline_bytes, 2), external, 8), // 7: inline wins
        };
        std::vector<flatbuffers::Offset<OperatorCode>> codes = {
            CreateOperatorCode(b, 3, 0, 2, BuiltinOperator_CONV_2D),
            CreateOperatorCode(b, 127, 0, 1, static_cast<BuiltinOperator>(150)),
            CreateOperatorCode(b, 32, b.CreateString("TinycTestOp"), 1, BuiltinOperator_ADD),
            CreateOperatorCode(b, 4, 0, 1, BuiltinOperator_ADD),  // an old file: only the byte field
        };
        auto q0 = CreateQuantizationParameters(b, 0, 0, b.CreateVector(std::vector<float>{0.5f}),
                                               b.CreateVector(std::vector<int64_t>{-3}));
        auto q1 = CreateQuantizationParameters(b, 0, 0, b.CreateVector(std::vector<float>{0.25f, 0.125f}),
                                               b.CreateVector(std::vector<int64_t>{0, 0}), QuantizationDetails_NONE, 0, 3);
        auto q3 = CreateQuantizationParameters(b, 0, 0, 0, 0, QuantizationDetails_CustomQuantization,
                                               CreateCustomQuantization(b).Union());
        std::vector<flatbuffers::Offset<Tensor>> tensors = {
            CreateTensor(b, b.CreateVector(std::vector<int32_t>{1, 4, 4, 2}), TensorType_INT8, 1, b.CreateString("in"), q0),
            CreateTensor(b, b.CreateVector(std::vector<int32_t>{2, 1, 1, 2}), TensorType_INT8, 2, b.CreateString("w"), q1),
            CreateTensor(b, b.CreateVector(std::vector<int32_t>{3}), TensorType_FLOAT32, 0, 0, 0, true,
                         CreateSparsityParameters(b)),
            CreateTensor(b, 0, TensorType_INT32, 0, 0, q3),
            CreateTensor(b, b.CreateVector(std::vector<int32_t>{}), TensorType_INT32),
        };
        auto io = [&](std::vector<int32_t> v) { return b.CreateVector(v); };
        const uint8_t custom[] = {1, 2, 3};
        std::vector<flatbuffers::Offset<Operator>> ops = {
            CreateOperator(b, 0, io({-1, 0}), io({1}), BuiltinOptions_Conv2DOptions,
                           CreateConv2DOptions(b, Padding_VALID, 2, 3, ActivationFunctionType_RELU6, 2, 1).Union()),
            CreateOperator(b, 0, io({0}), io({1}), BuiltinOptions_DepthwiseConv2DOptions,
                           CreateDepthwiseConv2DOptions(b, Padding_SAME, 1, 1, 2, ActivationFunctionType_RELU, 1, 3).Union()),
            CreateOperator(b, 0, io({0}), io({1}), BuiltinOptions_Pool2DOptions,
                           CreatePool2DOptions(b, Padding_VALID, 2, 2, 3, 4).Union()),
            CreateOperator(b, 0, io({0}), io({1}), BuiltinOptions_FullyConnectedOptions,
                           CreateFullyConnectedOptions(b, ActivationFunctionType_RELU,
                                                       FullyConnectedOptionsWeightsFormat_SHUFFLED4x16INT8, true, true).Union()),
            CreateOperator(b, 0, io({0}), io({1}), BuiltinOptions_SoftmaxOptions, CreateSoftmaxOptions(b, 0.5f).Union()),
            CreateOperator(b, 0, io({0}), io({1}), BuiltinOptions_ConcatenationOptions,
                           CreateConcatenationOptions(b, -1, ActivationFunctionType_RELU_N1_TO_1).Union()),
            CreateOperator(b, 0, io({0}), io({1}), BuiltinOptions_AddOptions,
                           CreateAddOptions(b, ActivationFunctionType_RELU).Union()),
            CreateOperator(b, 0, io({0}), io({1}), BuiltinOptions_MulOptions,
                           CreateMulOptions(b, ActivationFunctionType_TANH).Union()),
            CreateOperator(b, 0, io({0}), io({1}), BuiltinOptions_SubOptions,
                           CreateSubOptions(b, ActivationFunctionType_RELU6).Union()),
            CreateOperator(b, 0, io({0}), io({1}), BuiltinOptions_ReshapeOptions,
                           CreateReshapeOptions(b, io({1, -1})).Union()),
            CreateOperator(b, 0, io({0}), io({1}), BuiltinOptions_ReducerOptions, CreateReducerOptions(b, true).Union()),
            CreateOperator(b, 0, io({0}), io({1}), BuiltinOptions_SqueezeOptions,
                           CreateSqueezeOptions(b, io({1, 2})).Union()),
            CreateOperator(b, 0, io({0}), io({1}), BuiltinOptions_QuantizeOptions, CreateQuantizeOptions(b).Union()),
            // 13: a tag this schema does not know, 14: a known tag without its table.
            CreateOperator(b, 0, io({0}), io({1}), static_cast<BuiltinOptions>(99), CreateSoftmaxOptions(b, 2.0f).Union()),
            CreateOperator(b, 0, io({0}), io({1}), BuiltinOptions_Conv2DOptions),
            // 15: inline custom options, 16: custom options after the flatbuffer.
            CreateOperator(b, 2, io({0}), io({1}), BuiltinOptions_NONE, 0, b.CreateVector(custom, 3)),
            CreateOperator(b, 2, io({0}), io({1}), BuiltinOptions_NONE, 0, 0, external, 8),
        };
        std::vector<flatbuffers::Offset<SubGraph>> subgraphs = {
            CreateSubGraph(b, b.CreateVector(tensors), io({0}), io({1}), b.CreateVector(ops), b.CreateString("synthetic")),
            CreateSubGraph(b),  // every field absent
        };
        b.Finish(CreateModel(b, 3, b.CreateVector(codes), b.CreateVector(subgraphs), b.CreateString("tinyc synthetic"),
                             b.CreateVector(buffers)),
                 ModelIdentifier());
        file.assign(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
        external = (file.size() + 15) / 16 * 16;
    }
    file.resize(external, 0);
    for (uint8_t i = 1; i <= 8; i++) file.push_back(i);
    *external_out = external;
    return file;
}

static int failures = 0;
#define CHECK(cond)                                                               \
    do {                                                                          \
        if (!(cond)) {                                                            \
            fprintf(stderr, "%s:%d: self-test failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                           \
        }                                                                         \
    } while (0)

static bool same(tc_tfl_string s, const char *expected) {
    return s.length == strlen(expected) && (s.length == 0 || memcmp(s.data, expected, s.length) == 0);
}

static bool same(tc_tfl_ints v, std::vector<int32_t> expected) {
    if (v.count != expected.size()) return false;
    if (v.count == 0) return v.data == NULL;
    return memcmp(v.data, expected.data(), v.count * sizeof(int32_t)) == 0;
}

// Checks every accessor against the values synthetic_model() wrote.
static void self_test(const std::vector<uint8_t> &file, uint64_t external) {
    char error[256];
    tc_tfl_model *m = tc_tfl_open(file.data(), file.size(), error, sizeof error);
    if (m == NULL) {
        fprintf(stderr, "self-test: the synthetic model does not open: %s\n", error);
        failures++;
        return;
    }
    CHECK(tc_tfl_version(m) == 3);
    CHECK(same(tc_tfl_description(m), "tinyc synthetic"));
    CHECK(tc_tfl_subgraph_count(m) == 2 && tc_tfl_opcode_count(m) == 4 && tc_tfl_buffer_count(m) == 8);

    const int32_t builtin[] = {3, 150, 32, 4};
    for (size_t i = 0; i < 4; i++) {
        struct tc_tfl_opcode c;
        CHECK(tc_tfl_opcode(m, i, &c) == 0 && c.builtin_code == builtin[i]);
        CHECK(same(c.custom_code, i == 2 ? "TinycTestOp" : ""));
        CHECK(c.version == (i == 0 ? 2 : 1));
    }
    struct tc_tfl_opcode c;
    CHECK(tc_tfl_opcode(m, 4, &c) != 0 && c.builtin_code == 0);

    const uint8_t *data;
    size_t size;
    CHECK(tc_tfl_buffer(m, 0, &data, &size) == 0 && data == NULL && size == 0);
    CHECK(tc_tfl_buffer(m, 1, &data, &size) == 0 && size == 4 && data[0] == 10 && data[3] == 40);
    CHECK(tc_tfl_buffer(m, 2, &data, &size) == 0 && size == 8 && data[0] == 1 && data[7] == 8);
    CHECK(tc_tfl_buffer(m, 3, &data, &size) != 0 && data == NULL && size == 0);
    CHECK(tc_tfl_buffer(m, 4, &data, &size) != 0);
    CHECK(tc_tfl_buffer(m, 5, &data, &size) != 0);
    CHECK(tc_tfl_buffer(m, 6, &data, &size) == 0 && data == NULL && size == 0);
    CHECK(tc_tfl_buffer(m, 7, &data, &size) == 0 && size == 2 && data[1] == 20);
    CHECK(tc_tfl_buffer(m, 8, &data, &size) != 0);
    CHECK(tc_tfl_buffer(m, 0, NULL, &size) != 0);

    CHECK(same(tc_tfl_subgraph_name(m, 0), "synthetic"));
    CHECK(same(tc_tfl_subgraph_inputs(m, 0), {0}) && same(tc_tfl_subgraph_outputs(m, 0), {1}));
    CHECK(tc_tfl_tensor_count(m, 0) == 5 && tc_tfl_operator_count(m, 0) == 17);
    struct tc_tfl_tensor t;
    CHECK(tc_tfl_tensor(m, 0, 0, &t) == 0 && same(t.name, "in") && t.type == 9 && same(t.shape, {1, 4, 4, 2}));
    CHECK(t.has_shape && t.buffer == 1 && !t.is_variable && !t.has_sparsity && !t.has_quantization_details);
    CHECK(t.scale_count == 1 && t.scale[0] == 0.5f && t.zero_point_count == 1 && t.zero_point[0] == -3);
    CHECK(tc_tfl_tensor(m, 0, 1, &t) == 0 && t.scale_count == 2 && t.scale[1] == 0.125f && t.quantized_dimension == 3);
    CHECK(tc_tfl_tensor(m, 0, 2, &t) == 0 && t.type == 0 && t.is_variable && t.has_sparsity && t.scale == NULL);
    CHECK(tc_tfl_tensor(m, 0, 3, &t) == 0 && !t.has_shape && t.shape.data == NULL && t.has_quantization_details);
    CHECK(tc_tfl_tensor(m, 0, 4, &t) == 0 && t.has_shape && t.shape.count == 0 && t.shape.data == NULL);
    CHECK(tc_tfl_tensor(m, 0, 5, &t) != 0 && t.name.data == NULL);

    struct tc_tfl_operator o;
    CHECK(tc_tfl_operator(m, 0, 0, &o) == 0 && o.opcode_index == 0 && same(o.inputs, {-1, 0}) && same(o.outputs, {1}));
    CHECK(o.options.type == 1 && o.options.padding == 1 && o.options.stride_w == 2 && o.options.stride_h == 3);
    CHECK(o.options.fused_activation == 3 && o.options.dilation_w == 2 && o.options.dilation_h == 1 && !o.has_custom_options);
    CHECK(tc_tfl_operator(m, 0, 1, &o) == 0 && o.options.type == 2 && o.options.padding == 0 && o.options.depth_multiplier == 2);
    CHECK(o.options.fused_activation == 1 && o.options.dilation_w == 1 && o.options.dilation_h == 3);
    CHECK(tc_tfl_operator(m, 0, 2, &o) == 0 && o.options.type == 5 && o.options.filter_w == 3 && o.options.filter_h == 4);
    CHECK(o.options.stride_w == 2 && o.options.padding == 1 && o.options.fused_activation == 0);
    CHECK(tc_tfl_operator(m, 0, 3, &o) == 0 && o.options.type == 8 && o.options.fused_activation == 1);
    CHECK(o.options.weights_format == 1 && o.options.keep_num_dims && o.options.asymmetric_quantize_inputs);
    CHECK(tc_tfl_operator(m, 0, 4, &o) == 0 && o.options.type == 9 && o.options.beta == 0.5f);
    CHECK(tc_tfl_operator(m, 0, 5, &o) == 0 && o.options.type == 10 && o.options.axis == -1 && o.options.fused_activation == 2);
    CHECK(tc_tfl_operator(m, 0, 6, &o) == 0 && o.options.type == 11 && o.options.fused_activation == 1);
    CHECK(tc_tfl_operator(m, 0, 7, &o) == 0 && o.options.type == 21 && o.options.fused_activation == 4);
    CHECK(tc_tfl_operator(m, 0, 8, &o) == 0 && o.options.type == 28 && o.options.fused_activation == 3);
    CHECK(tc_tfl_operator(m, 0, 9, &o) == 0 && o.options.type == 17 && same(o.options.new_shape, {1, -1}));
    CHECK(tc_tfl_operator(m, 0, 10, &o) == 0 && o.options.type == 27 && o.options.keep_dims);
    CHECK(tc_tfl_operator(m, 0, 11, &o) == 0 && o.options.type == 30 && same(o.options.squeeze_dims, {1, 2}));
    CHECK(tc_tfl_operator(m, 0, 12, &o) == 0 && o.options.type == 89);
    CHECK(tc_tfl_operator(m, 0, 13, &o) == 0 && o.options.type == 99 && o.options.beta == 0.0f && o.options.dilation_w == 1);
    CHECK(tc_tfl_operator(m, 0, 14, &o) == 0 && o.options.type == 1 && o.options.stride_w == 0 && o.options.dilation_h == 1);
    CHECK(tc_tfl_operator(m, 0, 15, &o) == 0 && o.opcode_index == 2 && o.options.type == 0 && o.has_custom_options);
    CHECK(tc_tfl_operator(m, 0, 16, &o) == 0 && o.has_custom_options);
    CHECK(tc_tfl_operator(m, 0, 17, &o) != 0 && o.inputs.data == NULL);

    CHECK(tc_tfl_tensor_count(m, 1) == 0 && tc_tfl_operator_count(m, 1) == 0);
    CHECK(same(tc_tfl_subgraph_inputs(m, 1), {}) && same(tc_tfl_subgraph_name(m, 1), ""));
    CHECK(tc_tfl_tensor_count(m, 2) == 0 && tc_tfl_tensor(m, 2, 0, &t) != 0 && tc_tfl_operator(m, 9, 0, &o) != 0);
    tc_tfl_close(m);

    // No model at all, and a model without subgraphs.
    CHECK(tc_tfl_version(NULL) == 0 && tc_tfl_subgraph_count(NULL) == 0 && tc_tfl_tensor(NULL, 0, 0, &t) != 0);
    tc_tfl_close(NULL);
    flatbuffers::FlatBufferBuilder b;
    b.Finish(tflite::CreateModel(b, 3), tflite::ModelIdentifier());
    CHECK(tc_tfl_open(b.GetBufferPointer(), b.GetSize(), error, sizeof error) == NULL &&
          strcmp(error, "the model has no subgraphs") == 0);
    CHECK(external % 16 == 0 && file.size() == external + 8);
}

static bool read_file(const char *path, std::vector<uint8_t> &out) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) return false;
    uint8_t chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) out.insert(out.end(), chunk, chunk + n);
    fclose(f);
    return true;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s MUTATIONS_PER_MODEL SEED MODEL.tflite...\n", argv[0]);
        return 2;
    }
    const long per_model = strtol(argv[1], NULL, 10);
    const uint64_t seed = strtoull(argv[2], NULL, 10);

    uint64_t external = 0;
    std::vector<std::pair<std::string, std::vector<uint8_t>>> seeds;
    seeds.push_back({"synthetic", synthetic_model(&external)});
    self_test(seeds[0].second, external);
    if (failures > 0) {
        fprintf(stderr, "fuzz: %d self-test checks failed\n", failures);
        return 1;
    }
    printf("self-test of the synthetic model passed\n");

    int total_opened = 0, total_rejected = 0;
    std::map<std::string, int> rejected;

    // Fixed inputs: nothing, too short, the identifier alone, zeros, a wrong identifier.
    const std::vector<std::vector<uint8_t>> fixed = {
        {}, {0x01, 0x02, 0x03}, {8, 0, 0, 0, 'T', 'F', 'L', '3'},
        std::vector<uint8_t>(64, 0), {16, 0, 0, 0, 'T', 'F', 'L', '2', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
    };
    for (const auto &f : fixed) {
        if (open_and_walk(f, rejected)) {
            fprintf(stderr, "fuzz: a %zu-byte fixed input opened\n", f.size());
            return 1;
        }
        total_rejected++;
    }

    for (int a = 3; a < argc; a++) {
        std::vector<uint8_t> bytes;
        if (!read_file(argv[a], bytes)) {
            fprintf(stderr, "fuzz: cannot read %s\n", argv[a]);
            return 1;
        }
        const char *name = strrchr(argv[a], '/');
        seeds.push_back({name ? name + 1 : argv[a], bytes});
    }
    for (size_t k = 0; k < seeds.size(); k++) {
        const std::vector<uint8_t> &original = seeds[k].second;
        std::map<std::string, int> reason;
        if (!open_and_walk(original, reason)) {
            fprintf(stderr, "fuzz: %s does not open: %s\n", seeds[k].first.c_str(), reason.begin()->first.c_str());
            return 1;
        }
        const auto weights = weight_ranges(original);
        Random rng = {seed * 1000003u + k};
        int opened = 0, rejected_here = 0;
        for (long i = 0; i < per_model; i++) {
            if (open_and_walk(mutate(original, rng, weights), rejected)) opened++;
            else rejected_here++;
        }
        printf("%-30s %ld mutants: %5d opened, %5d rejected\n", seeds[k].first.c_str(), per_model, opened,
               rejected_here);
        total_opened += opened;
        total_rejected += rejected_here;
    }
    printf("total: %d opened, %d rejected (incl. %zu fixed inputs)\n", total_opened, total_rejected, fixed.size());
    for (const auto &r : rejected) printf("  %6d  %s\n", r.second, r.first.c_str());
    return 0;
}
