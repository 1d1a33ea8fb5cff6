/* SPDX-License-Identifier: Apache-2.0
 * tinyc_tflite.h: a plain C view of a TFLite flatbuffer, for the Swift importer.
 *
 * tc_tfl_open() copies the file, runs the flatc-generated verifier over the copy and only then
 * hands out a model. Every accessor after that is bounds-checked: an index out of range returns
 * a non-zero status, never reads outside the file. Pointers returned through the structs point
 * into the model's copy and stay valid until tc_tfl_close().
 *
 * Only the parts of the format tinyc reads are exposed (the schema subset is schema/tflite_subset.fbs).
 * Raw integers (tensor indices, buffer indices, opcode indices) are returned as stored; checking
 * that they refer to something is the importer's job, where the error can name the operator.
 *
 * tc_tfl_tensor, tc_tfl_operator and tc_tfl_opcode are each both a struct and the function that
 * fills it, like POSIX `struct stat` and stat(). A typedef would clash with the function (C and C++
 * keep typedefs and functions in one namespace), so these three are struct tags only: C writes
 * `struct tc_tfl_tensor t;`, Swift imports both (`var t = tc_tfl_tensor(); tc_tfl_tensor(m, 0, i, &t)`).
 */
#ifndef TINYC_TFLITE_H
#define TINYC_TFLITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tc_tfl_model tc_tfl_model;

/* A flatbuffer vector of int32 (shape, inputs, outputs, ...). `data` is NULL when count is 0. */
typedef struct {
    const int32_t *data;
    size_t count;
} tc_tfl_ints;

/* A string (not NUL-terminated). `data` is NULL and `length` 0 when the field is absent. */
typedef struct {
    const char *data;
    size_t length;
} tc_tfl_string;

struct tc_tfl_tensor {
    tc_tfl_string name;
    int8_t type;              /* TensorType: 0 FLOAT32, 2 INT32, 9 INT8, ... as in the format */
    tc_tfl_ints shape;
    bool has_shape;           /* false when the shape field is absent */
    uint32_t buffer;          /* index into the model's buffers; 0 = no data */
    bool is_variable;
    bool has_sparsity;        /* sparse tensors are not supported; the importer rejects them */
    /* Quantization (all empty when absent). */
    const float *scale;
    size_t scale_count;
    const int64_t *zero_point;
    size_t zero_point_count;
    int32_t quantized_dimension;
    bool has_quantization_details; /* custom quantization: not supported */
};

/* The builtin options tinyc reads, decoded from whichever union member the operator carries.
 * Fields of other members keep the format's defaults. */
typedef struct {
    uint8_t type;             /* the BuiltinOptions union tag as stored (0 = none) */
    int8_t padding;           /* 0 SAME, 1 VALID */
    int32_t stride_w, stride_h;
    int32_t dilation_w, dilation_h;   /* default 1 */
    int32_t depth_multiplier;
    int32_t filter_w, filter_h;
    int8_t fused_activation;  /* 0 NONE, 1 RELU, 2 RELU_N1_TO_1, 3 RELU6, 4 TANH, 5 SIGN_BIT */
    int32_t axis;             /* ConcatenationOptions */
    float beta;               /* SoftmaxOptions */
    bool keep_dims;           /* ReducerOptions */
    int8_t weights_format;    /* FullyConnectedOptions: 0 DEFAULT */
    bool keep_num_dims;       /* FullyConnectedOptions */
    bool asymmetric_quantize_inputs; /* FullyConnectedOptions */
    tc_tfl_ints new_shape;    /* ReshapeOptions */
    tc_tfl_ints squeeze_dims; /* SqueezeOptions */
} tc_tfl_options;

struct tc_tfl_operator {
    uint32_t opcode_index;
    tc_tfl_ints inputs;       /* -1 marks an omitted optional input */
    tc_tfl_ints outputs;
    tc_tfl_options options;
    bool has_custom_options;
};

struct tc_tfl_opcode {
    int32_t builtin_code;     /* max(deprecated_builtin_code, builtin_code), as TFLite resolves it */
    tc_tfl_string custom_code;
    int32_t version;
};

/* Opens `size` bytes of a .tflite file. On failure returns NULL and writes a one-line reason
 * (NUL-terminated, truncated to `error_capacity`) into `error`. */
tc_tfl_model *tc_tfl_open(const uint8_t *bytes, size_t size, char *error, size_t error_capacity);
void tc_tfl_close(tc_tfl_model *model);

uint32_t tc_tfl_version(const tc_tfl_model *model);
tc_tfl_string tc_tfl_description(const tc_tfl_model *model);
size_t tc_tfl_opcode_count(const tc_tfl_model *model);
size_t tc_tfl_buffer_count(const tc_tfl_model *model);
size_t tc_tfl_subgraph_count(const tc_tfl_model *model);

/* Functions taking an index return 0 on success, non-zero when the index is out of range or
 * the entry is absent. */
int tc_tfl_opcode(const tc_tfl_model *model, size_t index, struct tc_tfl_opcode *out);

/* A buffer's bytes: the inline `data` vector, or `offset`/`size` into the file (checked to lie
 * inside it). An empty buffer gives data NULL, size 0. Returns non-zero if offset/size point
 * outside the file. */
int tc_tfl_buffer(const tc_tfl_model *model, size_t index, const uint8_t **data, size_t *size);

/* Subgraph `subgraph`'s parts. */
size_t tc_tfl_tensor_count(const tc_tfl_model *model, size_t subgraph);
size_t tc_tfl_operator_count(const tc_tfl_model *model, size_t subgraph);
tc_tfl_ints tc_tfl_subgraph_inputs(const tc_tfl_model *model, size_t subgraph);
tc_tfl_ints tc_tfl_subgraph_outputs(const tc_tfl_model *model, size_t subgraph);
tc_tfl_string tc_tfl_subgraph_name(const tc_tfl_model *model, size_t subgraph);
int tc_tfl_tensor(const tc_tfl_model *model, size_t subgraph, size_t index, struct tc_tfl_tensor *out);
int tc_tfl_operator(const tc_tfl_model *model, size_t subgraph, size_t index, struct tc_tfl_operator *out);

#ifdef __cplusplus
}
#endif

#endif /* TINYC_TFLITE_H */
