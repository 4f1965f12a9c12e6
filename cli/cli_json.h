/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The --json documents of the commands (info, check, predict, report,
 * sql), written through json-c: one writer that streams a document member
 * by member and array element by element, each element a json-c object
 * serialized and freed at once, so that a check of millions of events or
 * a large query keeps no tree of the whole document in memory. Every
 * document starts with "format_version" (CLI_JSON_FORMAT_VERSION); all
 * strings go through cli_json_string(), so that a file name or a value
 * with quotes, backslashes, control characters or bytes that are not
 * UTF-8 still makes valid JSON. The schemas are in docs/schemas/.
 */
#ifndef VR_CLI_JSON_H
#define VR_CLI_JSON_H

#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

/*
 * The layout version of every --json document. Bumped when a member is
 * removed or renamed, or its type or meaning changes; adding a member
 * does not bump it (consumers ignore members they do not know).
 */
#define CLI_JSON_FORMAT_VERSION 1

#define CLI_JSON_MAX_DEPTH 8

/* A document being written: the containers open, innermost last. */
struct cli_json {
	FILE *out;
	int depth;			  /* containers open; 1: the document's object */
	int count[CLI_JSON_MAX_DEPTH];	  /* members or elements written in each */
	char closer[CLI_JSON_MAX_DEPTH];  /* '}' or ']' */
};

/* Start a document on out: "{" and its format_version member. */
void cli_json_begin(struct cli_json *j, FILE *out);

/*
 * Add value (json-c's, consumed; NULL is null) to the innermost
 * container: as member key of an object, or (key NULL) as the next
 * element of an array.
 */
void cli_json_add(struct cli_json *j, const char *key, json_object *value);

/* Open an array (or, with cli_json_open_object(), an object) inside the innermost container. */
void cli_json_open_array(struct cli_json *j, const char *key);
void cli_json_open_object(struct cli_json *j, const char *key);

/* Close the innermost container. */
void cli_json_close(struct cli_json *j);

/* Close every container and end the document; 0, or 2 after one error line (write failed). */
int cli_json_end(struct cli_json *j);

/*
 * A JSON string of s as json-c escapes it, any byte sequence that is not
 * UTF-8 replaced by U+FFFD; NULL gives null.
 */
json_object *cli_json_string(const char *s);

/* An integer, or null for VR_NO_VALUE (no vCPU, no INTID, no time). */
json_object *cli_json_int_or_null(int64_t v);

/* A named integer, for the counters most documents are made of. */
struct cli_json_int {
	const char *name;
	int64_t value;
};

/* Set each named integer in object o (a new object when o is NULL); returns o. */
json_object *cli_json_ints(json_object *o, const struct cli_json_int *v, size_t n);

/* Add each named integer as a member of the innermost container, an object. */
void cli_json_add_ints(struct cli_json *j, const struct cli_json_int *v, size_t n);

/* The list of named integers that cli_json_ints() and cli_json_add_ints() take: CLI_JSON_INTS({"a", 1}, ...). */
#define CLI_JSON_INTS(...)                                                  \
	(const struct cli_json_int[]){__VA_ARGS__},                         \
		sizeof((const struct cli_json_int[]){__VA_ARGS__}) /        \
			sizeof(struct cli_json_int)

struct cli_filters;

/*
 * The "filters" member of a command that has --vcpu, --intid, --from and
 * --to: what was asked, the window in absolute ns (null where open).
 */
void cli_json_add_filters(struct cli_json *j, const struct cli_filters *f, int64_t from_ns,
			  int64_t to_ns);

#endif
