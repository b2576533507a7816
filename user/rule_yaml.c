// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libyaml's events into a tree of struct rule_value, bounded (no aliases,
 * limited depth, node count and string length), every value with its position;
 * and a scalar's characters mapped back to the file (text_add_scalar).
 */
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "rule_loader_internal.h"

/* ---- YAML to a tree ---- */

bool rule_value_is_null(const struct rule_value *v)
{
	return v->kind == RULE_VALUE_SCALAR && v->style == RULE_VALUE_PLAIN &&
	       (v->len == 0 || strcmp(v->text, "~") == 0 || strcmp(v->text, "null") == 0 ||
		strcmp(v->text, "Null") == 0 || strcmp(v->text, "NULL") == 0);
}

static struct rule_pos mark_pos(const struct load *ld, yaml_mark_t mark)
{
	return (struct rule_pos){ ld->file, (unsigned int)mark.line + 1, (unsigned int)mark.column + 1 };
}

/* The byte offset of libyaml's character index; marks come in order, so the walk goes on from the last. */
static size_t byte_offset(struct load *ld, size_t index)
{
	while (ld->cursor_index > index && ld->cursor_byte > 0) {
		ld->cursor_byte--;
		while (ld->cursor_byte > 0 && is_utf8_continuation(ld->src[ld->cursor_byte]))
			ld->cursor_byte--;
		ld->cursor_index--;
	}
	while (ld->cursor_index < index && ld->cursor_byte < ld->src_len) {
		ld->cursor_byte++;
		while (ld->cursor_byte < ld->src_len && is_utf8_continuation(ld->src[ld->cursor_byte]))
			ld->cursor_byte++;
		ld->cursor_index++;
	}
	return ld->cursor_byte;
}

/* The line and column of a byte offset, for libyaml's reader errors. */
static struct rule_pos byte_pos(const struct load *ld, size_t offset)
{
	struct rule_pos pos = { ld->file, 1, 1 };

	for (size_t i = 0; i < offset && i < ld->src_len; i++) {
		if (ld->src[i] == '\n') {
			pos.line++;
			pos.column = 1;
		} else if (!is_utf8_continuation(ld->src[i])) {
			pos.column++;
		}
	}
	return pos;
}

static void yaml_error(struct load *ld, const yaml_parser_t *parser)
{
	struct rule_pos pos = mark_pos(ld, parser->problem_mark);
	const char *problem = parser->problem ? parser->problem : "unknown error";

	switch (parser->error) {
	case YAML_MEMORY_ERROR:
		out_of_memory(ld);
		return;
	case YAML_READER_ERROR:
		pos = byte_pos(ld, parser->problem_offset);
		if (parser->problem_value != -1)
			file_error(ld, &pos, "invalid YAML: %s (#%X)", problem, (unsigned int)parser->problem_value);
		else
			file_error(ld, &pos, "invalid YAML: %s", problem);
		return;
	default:
		if (parser->context)
			file_error(ld, &pos, "invalid YAML: %s, %s at line %u, column %u", problem, parser->context,
				   (unsigned int)parser->context_mark.line + 1,
				   (unsigned int)parser->context_mark.column + 1);
		else
			file_error(ld, &pos, "invalid YAML: %s", problem);
	}
}

/* A list or mapping being read: its children so far. */
struct frame {
	struct rule_value node;
	struct rule_value *children;
	size_t n, cap;
};

const char *describe(const struct rule_value *v)
{
	if (v->kind == RULE_VALUE_SEQUENCE)
		return "a list";
	if (v->kind == RULE_VALUE_MAPPING)
		return "a mapping";
	if (rule_value_is_null(v))
		return "an empty value";
	return "a string";
}

static bool frame_add(struct load *ld, struct frame *frame, const struct rule_value *v)
{
	if (++ld->nodes > RULES_NODES_MAX) {
		file_error(ld, &v->pos, "more than %u YAML values in one file", RULES_NODES_MAX);
		return false;
	}
	if (!RESERVE(frame->children, frame->cap, frame->n + 1)) {
		out_of_memory(ld);
		return false;
	}
	frame->children[frame->n++] = *v;
	return true;
}

static bool read_scalar(struct load *ld, const yaml_event_t *event, struct rule_value *v)
{
	static const enum rule_value_style styles[] = {
		[YAML_PLAIN_SCALAR_STYLE] = RULE_VALUE_PLAIN,
		[YAML_SINGLE_QUOTED_SCALAR_STYLE] = RULE_VALUE_SINGLE_QUOTED,
		[YAML_DOUBLE_QUOTED_SCALAR_STYLE] = RULE_VALUE_DOUBLE_QUOTED,
		[YAML_LITERAL_SCALAR_STYLE] = RULE_VALUE_LITERAL,
		[YAML_FOLDED_SCALAR_STYLE] = RULE_VALUE_FOLDED,
	};
	const char *text = (const char *)event->data.scalar.value;
	size_t len = event->data.scalar.length;
	unsigned int style = event->data.scalar.style;

	memset(v, 0, sizeof(*v));
	v->kind = RULE_VALUE_SCALAR;
	v->style = style < sizeof(styles) / sizeof(styles[0]) ? styles[style] : RULE_VALUE_PLAIN;
	v->pos = mark_pos(ld, event->start_mark);
	v->offset = byte_offset(ld, event->start_mark.index);
	v->end = byte_offset(ld, event->end_mark.index);
	if (len > RULES_STRING_MAX) {
		file_error(ld, &v->pos, "a string longer than %u bytes", RULES_STRING_MAX);
		return false;
	}
	if (memchr(text, '\0', len)) {
		file_error(ld, &v->pos, "a string holds a NUL character");
		return false;
	}
	v->text = arena_strndup(&ld->set->arena, text, len);
	v->len = len;
	if (!v->text) {
		out_of_memory(ld);
		return false;
	}
	return true;
}

static bool start_collection(struct load *ld, const yaml_event_t *event, struct frame *frame)
{
	bool sequence = event->type == YAML_SEQUENCE_START_EVENT;
	bool flow = sequence ? event->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE
			     : event->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;

	memset(frame, 0, sizeof(*frame));
	frame->node.kind = sequence ? RULE_VALUE_SEQUENCE : RULE_VALUE_MAPPING;
	frame->node.style = flow ? RULE_VALUE_FLOW : RULE_VALUE_BLOCK;
	frame->node.pos = mark_pos(ld, event->start_mark);
	frame->node.offset = byte_offset(ld, event->start_mark.index);
	return true;
}

static bool end_collection(struct load *ld, const yaml_event_t *event, struct frame *frame)
{
	struct rule_value *node = &frame->node;
	struct rule_value *items = NULL;

	node->end = byte_offset(ld, event->end_mark.index);
	if (node->kind == RULE_VALUE_MAPPING) {
		for (size_t i = 0; i < frame->n; i += 2) {
			if (frame->children[i].kind != RULE_VALUE_SCALAR) {
				file_error(ld, &frame->children[i].pos, "a mapping key must be a string, not %s",
					   describe(&frame->children[i]));
				return false;
			}
		}
	}
	if (frame->n) {
		items = arena_alloc(&ld->set->arena, frame->n * sizeof(*items));
		if (!items) {
			out_of_memory(ld);
			return false;
		}
		memcpy(items, frame->children, frame->n * sizeof(*items));
	}
	node->items = items;
	node->count = node->kind == RULE_VALUE_MAPPING ? frame->n / 2 : frame->n;
	free(frame->children);
	frame->children = NULL;
	return true;
}

/*
 * The file's documents, their root values in *docs (malloc'd, *n_docs of
 * them). false after an error (reported).
 */
bool read_documents(struct load *ld, struct rule_value **docs, size_t *n_docs)
{
	struct frame frames[RULES_DEPTH_MAX + 1]; /* [0]: the stream, whose children are documents */
	size_t depth = 0;
	yaml_parser_t parser;
	yaml_event_t event;
	bool ok = true, done = false;

	memset(&frames[0], 0, sizeof(frames[0]));
	if (!yaml_parser_initialize(&parser)) {
		out_of_memory(ld);
		return false;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)ld->src, ld->src_len);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	while (ok && !done) {
		struct rule_value scalar;

		if (!yaml_parser_parse(&parser, &event)) {
			yaml_error(ld, &parser);
			ok = false;
			break;
		}
		switch (event.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_ALIAS_EVENT: {
			struct rule_pos pos = mark_pos(ld, event.start_mark);

			file_error(ld, &pos, "YAML aliases are not supported (*%s)",
				   (const char *)event.data.alias.anchor);
			ok = false;
			break;
		}
		case YAML_SCALAR_EVENT:
			ok = read_scalar(ld, &event, &scalar) && frame_add(ld, &frames[depth], &scalar);
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (depth == RULES_DEPTH_MAX) {
				struct rule_pos pos = mark_pos(ld, event.start_mark);

				file_error(ld, &pos, "lists and mappings nested deeper than %u", RULES_DEPTH_MAX);
				ok = false;
				break;
			}
			ok = start_collection(ld, &event, &frames[++depth]);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			ok = depth > 0 && end_collection(ld, &event, &frames[depth]);
			if (ok) {
				depth--;
				ok = frame_add(ld, &frames[depth], &frames[depth + 1].node);
			}
			break;
		default: /* stream and document starts, document ends */
			break;
		}
		yaml_event_delete(&event);
	}
	yaml_parser_delete(&parser);
	for (size_t i = 1; i <= depth; i++)
		free(frames[i].children);
	if (!ok) {
		free(frames[0].children);
		return false;
	}
	*docs = frames[0].children;
	*n_docs = frames[0].n;
	return true;
}

/*
 * Where each character of a scalar's (trimmed) value, now at t->s[base...],
 * is in the file: the value's non-blank characters are the source's, in
 * order, with blanks, indentation, quotes and escapes between them. An
 * anchor goes wherever the next character is not where the last anchor's
 * column count would put it.
 */
static void map_scalar(const struct load *ld, struct text *t, size_t base, const char *s, size_t len,
		       const struct rule_value *v)
{
	const char *src = ld->src;
	size_t end = v->end < ld->src_len ? v->end : ld->src_len;
	size_t cur = v->offset < end ? v->offset : end;
	struct rule_pos at = v->pos, expected = { NULL, 0, 0 };

	/* advance past src[cur], counting lines and characters */
#define ADVANCE()                                                                        \
	do {                                                                             \
		unsigned char b_ = src[cur++];                                           \
		if (b_ == '\n' || (b_ == '\r' && (cur >= ld->src_len || src[cur] != '\n'))) { \
			at.line++;                                                       \
			at.column = 1;                                                   \
		} else if (b_ != '\r' && !is_utf8_continuation(b_)) {                    \
			at.column++;                                                     \
		}                                                                        \
	} while (0)

	text_anchor(t, base, &v->pos);
	if (v->style == RULE_VALUE_SINGLE_QUOTED || v->style == RULE_VALUE_DOUBLE_QUOTED) {
		if (cur < end)
			ADVANCE();
	} else if (v->style == RULE_VALUE_LITERAL || v->style == RULE_VALUE_FOLDED) {
		/* The header line (| or >, indicators, a comment) holds none of the value. */
		while (cur < end && src[cur] != '\n' && src[cur] != '\r')
			ADVANCE();
		if (cur < end)
			ADVANCE();
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (is_blank(c)) {
			expected.column++;
			continue;
		}
		while (cur < end && (unsigned char)src[cur] != c)
			ADVANCE();
		if (cur >= end)
			break; /* an escape wrote it: the rest follows the last anchor */
		if (!is_utf8_continuation(c)) {
			if (at.line != expected.line || at.column != expected.column) {
				text_anchor(t, base + i, &at);
				expected = at;
			}
			expected.column++;
		}
		ADVANCE();
	}
#undef ADVANCE
}

/* A scalar's trimmed value appended to t, with its anchors. */
void text_add_scalar(const struct load *ld, struct text *t, const struct rule_value *v)
{
	size_t len, base = t->len;
	const char *s = trimmed(v, &len);

	text_append(t, s, len);
	if (!t->too_long && !t->failed)
		map_scalar(ld, t, base, s, len, v);
}
