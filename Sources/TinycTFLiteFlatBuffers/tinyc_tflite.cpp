// SPDX-License-Identifier: Apache-2.0
// tinyc_tflite.cpp: the C API of include/tinyc_tflite.h over the flatc-generated reader for
// schema/tflite_subset.fbs.
//
// Safety argument: tc_tfl_open() runs the generated verifier over its own 16-byte aligned copy of
// the file, so afterwards every offset, vector and string reachable through the generated
// accessors lies inside the copy and is aligned for its element type. What the verifier cannot
// know about, the code below checks itself: vector indices (every accessor compares against the
// vector's size before calling Get) and Buffer.offset/size, which point outside the flatbuffer.
// No exceptions are thrown (allocation is malloc, failures are status codes).

#include "tinyc_tflite.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tflite_subset_generated.h"

// We hand out raw pointers to int32/float/int64 data in the file, which TFLite stores
// little-endian; on a big-endian host those would need byte swapping.
static_assert(FLATBUFFERS_LITTLEENDIAN, "tinyc's TFLite reader assumes a little-endian host");

// Root offset (4) + file identifier (4) + the smallest vtable (4) + the smallest table (4).
// Anything shorter cannot be a flatbuffer with a root table; longer files are left to the verifier.
static const size_t kMinFileBytes = 16;
// Limits for the verifier. TFLite nests Model > SubGraph > Operator > options vectors, so real
// models stay below depth 10; max_tables bounds the work on a hostile file (a model with 10,000
// tensors has around 30,000 tables).
static const flatbuffers::uoffset_t kMaxDepth = 64;
static const flatbuffers::uoffset_t kMaxTables = 1000000;

struct tc_tfl_model {
    void *allocation;            // what malloc returned; `bytes` is inside it, 16-byte aligned
    const uint8_t *bytes;        // the copy of the file
    size_t size;                 // its length
    const tflite::Model *root;
};

// Writes a one-line reason into `error` (if there is room) and returns NULL, for tc_tfl_open.
static tc_tfl_model *fail(char *error, size_t capacity, const char *format, ...) {
    if (error != NULL && capacity > 0) {
        va_list args;
        va_start(args, format);
        vsnprintf(error, capacity, format, args);
        va_end(args);
    }
    return NULL;
}

tc_tfl_model *tc_tfl_open(const uint8_t *bytes, size_t size, char *error, size_t error_capacity) {
    if (error != NULL && error_capacity > 0) error[0] = '\0';
    if (size < kMinFileBytes) {
        return fail(error, error_capacity, "file is %zu bytes, too short for a TFLite flatbuffer", size);
    }
    if (bytes == NULL) return fail(error, error_capacity, "no bytes given for a %zu-byte file", size);
    if (!tflite::ModelBufferHasIdentifier(bytes)) {
        return fail(error, error_capacity, "no TFL3 file identifier: not a TFLite model");
    }

    // Copy into storage we own, aligned to 16 (the largest alignment the format asks for, on
    // Buffer.data), so that verified offsets are also correctly aligned addresses.
    const size_t alignment = 16;
    if (size > SIZE_MAX - alignment) return fail(error, error_capacity, "file of %zu bytes is too large", size);
    tc_tfl_model *model = static_cast<tc_tfl_model *>(calloc(1, sizeof(tc_tfl_model)));
    void *allocation = malloc(size + alignment - 1);
    if (model == NULL || allocation == NULL) {
        free(model);
        free(allocation);
        return fail(error, error_capacity, "out of memory copying the %zu-byte file", size);
    }
    uintptr_t address = reinterpret_cast<uintptr_t>(allocation);
    uint8_t *copy = static_cast<uint8_t *>(allocation) + ((alignment - address % alignment) % alignment);
    memcpy(copy, bytes, size);
    model->allocation = allocation;
    model->bytes = copy;
    model->size = size;

    // The flatbuffer itself is limited to 2 GiB; a larger file keeps its tensor data after it
    // (Buffer.offset), so only the first 2 GiB are verified. The verifier asserts on larger sizes.
    size_t flatbuffer_size = size;
    if (flatbuffer_size >= FLATBUFFERS_MAX_BUFFER_SIZE) flatbuffer_size = FLATBUFFERS_MAX_BUFFER_SIZE - 1;
    flatbuffers::Verifier::Options options;
    options.max_depth = kMaxDepth;
    options.max_tables = kMaxTables;
    options.check_alignment = true;
    flatbuffers::Verifier verifier(copy, flatbuffer_size, options);
    if (!tflite::VerifyModelBuffer(verifier)) {
        tc_tfl_close(model);
        return fail(error, error_capacity, "the flatbuffer verifier rejected the file (corrupt or truncated)");
    }
    model->root = tflite::GetModel(copy);
    if (model->root->subgraphs() == NULL || model->root->subgraphs()->size() == 0) {
        tc_tfl_close(model);
        return fail(error, error_capacity, "the model has no subgraphs");
    }
    return model;
}

void tc_tfl_close(tc_tfl_model *model) {
    if (model == NULL) return;
    free(model->allocation);
    free(model);
}

// MARK: - Helpers

static tc_tfl_ints ints_of(const flatbuffers::Vector<int32_t> *vector) {
    tc_tfl_ints result = {NULL, 0};
    if (vector != NULL && vector->size() > 0) {
        result.data = vector->data();
        result.count = vector->size();
    }
    return result;
}

static tc_tfl_string string_of(const flatbuffers::String *s) {
    tc_tfl_string result = {NULL, 0};
    if (s != NULL) {
        result.data = s->c_str();
        result.length = s->size();
    }
    return result;
}

// Element `index` of a vector of tables, or NULL when the vector is absent or too short.
template <typename T>
static const T *element(const flatbuffers::Vector<flatbuffers::Offset<T>> *vector, size_t index) {
    if (vector == NULL || index >= vector->size()) return NULL;
    return vector->Get(static_cast<flatbuffers::uoffset_t>(index));
}

template <typename T>
static size_t count(const flatbuffers::Vector<T> *vector) {
    return vector == NULL ? 0 : vector->size();
}

static const tflite::SubGraph *subgraph_at(const tc_tfl_model *model, size_t index) {
    return model == NULL ? NULL : element(model->root->subgraphs(), index);
}

// MARK: - Model

uint32_t tc_tfl_version(const tc_tfl_model *model) {
    return model == NULL ? 0 : model->root->version();
}

tc_tfl_string tc_tfl_description(const tc_tfl_model *model) {
    return model == NULL ? string_of(NULL) : string_of(model->root->description());
}

size_t tc_tfl_opcode_count(const tc_tfl_model *model) {
    return model == NULL ? 0 : count(model->root->operator_codes());
}

size_t tc_tfl_buffer_count(const tc_tfl_model *model) {
    return model == NULL ? 0 : count(model->root->buffers());
}

size_t tc_tfl_subgraph_count(const tc_tfl_model *model) {
    return model == NULL ? 0 : count(model->root->subgraphs());
}

int tc_tfl_opcode(const tc_tfl_model *model, size_t index, struct tc_tfl_opcode *out) {
    if (out == NULL) return 1;
    memset(out, 0, sizeof *out);
    const tflite::OperatorCode *code = model == NULL ? NULL : element(model->root->operator_codes(), index);
    if (code == NULL) return 1;
    // Old files only set the one-byte field, files with codes > 127 set it to 127
    // (PLACEHOLDER_FOR_GREATER_OP_CODES) and store the code in the int32 field: the larger wins.
    int32_t deprecated_code = code->deprecated_builtin_code();
    int32_t builtin_code = static_cast<int32_t>(code->builtin_code());
    out->builtin_code = deprecated_code > builtin_code ? deprecated_code : builtin_code;
    out->custom_code = string_of(code->custom_code());
    out->version = code->version();
    return 0;
}

int tc_tfl_buffer(const tc_tfl_model *model, size_t index, const uint8_t **data, size_t *size) {
    if (data != NULL) *data = NULL;
    if (size != NULL) *size = 0;
    if (data == NULL || size == NULL) return 1;
    const tflite::Buffer *buffer = model == NULL ? NULL : element(model->root->buffers(), index);
    if (buffer == NULL) return 1;
    const flatbuffers::Vector<uint8_t> *inline_data = buffer->data();
    if (inline_data != NULL && inline_data->size() > 0) {
        *data = inline_data->data();
        *size = inline_data->size();
        return 0;
    }
    // Data stored after the flatbuffer: offset counts from the start of the file, and 0 and 1
    // mean "none" (1 is a placeholder converters write while serializing).
    uint64_t offset = buffer->offset();
    uint64_t length = buffer->size();
    if (offset <= 1) return 0;
    if (offset > model->size || length > model->size - offset) return 2;
    if (length > 0) {
        *data = model->bytes + offset;
        *size = static_cast<size_t>(length);
    }
    return 0;
}

// MARK: - Subgraphs

size_t tc_tfl_tensor_count(const tc_tfl_model *model, size_t subgraph) {
    const tflite::SubGraph *g = subgraph_at(model, subgraph);
    return g == NULL ? 0 : count(g->tensors());
}

size_t tc_tfl_operator_count(const tc_tfl_model *model, size_t subgraph) {
    const tflite::SubGraph *g = subgraph_at(model, subgraph);
    return g == NULL ? 0 : count(g->operators());
}

tc_tfl_ints tc_tfl_subgraph_inputs(const tc_tfl_model *model, size_t subgraph) {
    const tflite::SubGraph *g = subgraph_at(model, subgraph);
    return ints_of(g == NULL ? NULL : g->inputs());
}

tc_tfl_ints tc_tfl_subgraph_outputs(const tc_tfl_model *model, size_t subgraph) {
    const tflite::SubGraph *g = subgraph_at(model, subgraph);
    return ints_of(g == NULL ? NULL : g->outputs());
}

tc_tfl_string tc_tfl_subgraph_name(const tc_tfl_model *model, size_t subgraph) {
    const tflite::SubGraph *g = subgraph_at(model, subgraph);
    return string_of(g == NULL ? NULL : g->name());
}

int tc_tfl_tensor(const tc_tfl_model *model, size_t subgraph, size_t index, struct tc_tfl_tensor *out) {
    if (out == NULL) return 1;
    memset(out, 0, sizeof *out);
    const tflite::SubGraph *g = subgraph_at(model, subgraph);
    const tflite::Tensor *t = g == NULL ? NULL : element(g->tensors(), index);
    if (t == NULL) return 1;
    out->name = string_of(t->name());
    out->type = static_cast<int8_t>(t->type());
    out->shape = ints_of(t->shape());
    out->has_shape = t->shape() != NULL;
    out->buffer = t->buffer();
    out->is_variable = t->is_variable();
    out->has_sparsity = t->sparsity() != NULL;
    if (const tflite::QuantizationParameters *q = t->quantization()) {
        if (const flatbuffers::Vector<float> *scale = q->scale()) {
            if (scale->size() > 0) {
                out->scale = scale->data();
                out->scale_count = scale->size();
            }
        }
        if (const flatbuffers::Vector<int64_t> *zero_point = q->zero_point()) {
            if (zero_point->size() > 0) {
                out->zero_point = zero_point->data();
                out->zero_point_count = zero_point->size();
            }
        }
        out->quantized_dimension = q->quantized_dimension();
        out->has_quantization_details = q->details_type() != tflite::QuantizationDetails_NONE;
    }
    return 0;
}

// MARK: - Operators

// The options of `op` in tinyc's flat struct: the members' fields where the union holds one we
// decode, the format's defaults everywhere else (also when the tag is set but the table absent).
static tc_tfl_options decode_options(const tflite::Operator *op) {
    tc_tfl_options o = {};
    o.dilation_w = 1;
    o.dilation_h = 1;
    o.type = static_cast<uint8_t>(op->builtin_options_type());
    if (const tflite::Conv2DOptions *c = op->builtin_options_as_Conv2DOptions()) {
        o.padding = c->padding();
        o.stride_w = c->stride_w();
        o.stride_h = c->stride_h();
        o.fused_activation = c->fused_activation_function();
        o.dilation_w = c->dilation_w_factor();
        o.dilation_h = c->dilation_h_factor();
    } else if (const tflite::DepthwiseConv2DOptions *d = op->builtin_options_as_DepthwiseConv2DOptions()) {
        o.padding = d->padding();
        o.stride_w = d->stride_w();
        o.stride_h = d->stride_h();
        o.depth_multiplier = d->depth_multiplier();
        o.fused_activation = d->fused_activation_function();
        o.dilation_w = d->dilation_w_factor();
        o.dilation_h = d->dilation_h_factor();
    } else if (const tflite::Pool2DOptions *p = op->builtin_options_as_Pool2DOptions()) {
        o.padding = p->padding();
        o.stride_w = p->stride_w();
        o.stride_h = p->stride_h();
        o.filter_w = p->filter_width();
        o.filter_h = p->filter_height();
        o.fused_activation = p->fused_activation_function();
    } else if (const tflite::FullyConnectedOptions *f = op->builtin_options_as_FullyConnectedOptions()) {
        o.fused_activation = f->fused_activation_function();
        o.weights_format = f->weights_format();
        o.keep_num_dims = f->keep_num_dims();
        o.asymmetric_quantize_inputs = f->asymmetric_quantize_inputs();
    } else if (const tflite::SoftmaxOptions *s = op->builtin_options_as_SoftmaxOptions()) {
        o.beta = s->beta();
    } else if (const tflite::ConcatenationOptions *cat = op->builtin_options_as_ConcatenationOptions()) {
        o.axis = cat->axis();
        o.fused_activation = cat->fused_activation_function();
    } else if (const tflite::AddOptions *a = op->builtin_options_as_AddOptions()) {
        o.fused_activation = a->fused_activation_function();
    } else if (const tflite::MulOptions *m = op->builtin_options_as_MulOptions()) {
        o.fused_activation = m->fused_activation_function();
    } else if (const tflite::SubOptions *sub = op->builtin_options_as_SubOptions()) {
        o.fused_activation = sub->fused_activation_function();
    } else if (const tflite::ReshapeOptions *r = op->builtin_options_as_ReshapeOptions()) {
        o.new_shape = ints_of(r->new_shape());
    } else if (const tflite::ReducerOptions *red = op->builtin_options_as_ReducerOptions()) {
        o.keep_dims = red->keep_dims();
    } else if (const tflite::SqueezeOptions *sq = op->builtin_options_as_SqueezeOptions()) {
        o.squeeze_dims = ints_of(sq->squeeze_dims());
    }
    // PadOptions, QuantizeOptions, DequantizeOptions have no fields; other tags: only `type`.
    return o;
}

int tc_tfl_operator(const tc_tfl_model *model, size_t subgraph, size_t index, struct tc_tfl_operator *out) {
    if (out == NULL) return 1;
    memset(out, 0, sizeof *out);
    const tflite::SubGraph *g = subgraph_at(model, subgraph);
    const tflite::Operator *op = g == NULL ? NULL : element(g->operators(), index);
    if (op == NULL) return 1;
    out->opcode_index = op->opcode_index();
    out->inputs = ints_of(op->inputs());
    out->outputs = ints_of(op->outputs());
    out->options = decode_options(op);
    // Custom options inline, or (models over 2 GB) after the flatbuffer; offset 0/1 means none.
    out->has_custom_options = count(op->custom_options()) > 0 || op->large_custom_options_offset() > 1;
    return 0;
}
