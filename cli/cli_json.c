/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The --json writer of every command (see cli_json.h): the document's
 * containers are written as they open and close, one member or element
 * to a line, and each value is a json-c object serialized on the spot.
 * The format version and the escaping rules live here and nowhere else.
 */
#include <stdlib.h>
#include <string.h>

#include "../common/vr_common.h"
#include "../schemas/trace_event.h"
#include "cli.h"
#include "cli_json.h"

/* json-c's output of a value: one line, "/" left alone. */
#define VALUE_FLAGS (JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)

/* Start the next member or element of the innermost container: comma, newline, indent, key. */
static void next_item(struct cli_json *j, const char *key)
{
	json_object *k;

	fputs(j->count[j->depth - 1]++ ? ",\n" : "\n", j->out);
	fprintf(j->out, "%*s", 2 * j->depth, "");
	if (!key)
		return;
	k = cli_json_string(key);
	fprintf(j->out, "%s: ", json_object_to_json_string_ext(k, VALUE_FLAGS));
	json_object_put(k);
}

/* Open a container whose closing character is closer. */
static void open_container(struct cli_json *j, const char *key, char opener, char closer)
{
	if (j->depth >= CLI_JSON_MAX_DEPTH)
		abort(); /* a bug: the documents are a few levels deep */
	if (j->depth)
		next_item(j, key);
	fputc(opener, j->out);
	j->count[j->depth] = 0;
	j->closer[j->depth] = closer;
	j->depth++;
}

/* See cli_json.h. */
void cli_json_begin(struct cli_json *j, FILE *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
	open_container(j, NULL, '{', '}');
	cli_json_add(j, "format_version", json_object_new_int(CLI_JSON_FORMAT_VERSION));
}

/* See cli_json.h. */
void cli_json_add(struct cli_json *j, const char *key, json_object *value)
{
	next_item(j, key);
	fputs(value ? json_object_to_json_string_ext(value, VALUE_FLAGS) : "null", j->out);
	json_object_put(value);
}

/* See cli_json.h. */
void cli_json_open_array(struct cli_json *j, const char *key)
{
	open_container(j, key, '[', ']');
}

/* See cli_json.h. */
void cli_json_open_object(struct cli_json *j, const char *key)
{
	open_container(j, key, '{', '}');
}

/* See cli_json.h. */
void cli_json_close(struct cli_json *j)
{
	j->depth--;
	if (j->count[j->depth])
		fprintf(j->out, "\n%*s", 2 * j->depth, "");
	fputc(j->closer[j->depth], j->out);
}

/* See cli_json.h. */
int cli_json_end(struct cli_json *j)
{
	while (j->depth)
		cli_json_close(j);
	fputc('\n', j->out);
	if (fflush(j->out) || ferror(j->out)) {
		cli_error("standard output: write error");
		return 2;
	}
	return 0;
}

/*
 * The length of the UTF-8 sequence at s (1 to 4), or 0 when the bytes
 * there are not one: a stray continuation byte, a truncated sequence, an
 * overlong form, a surrogate or a code point above U+10FFFF.
 */
static int utf8_length(const unsigned char *s)
{
	int n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0; /* also the terminating NUL */
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* See cli_json.h. */
json_object *cli_json_string(const char *s)
{
	static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */
	const unsigned char *p = (const unsigned char *)s;
	json_object *o;
	size_t len = 0, cap;
	char *buf;
	int n;

	if (!s)
		return NULL;
	for (; *p; p += n) { /* the common case: already UTF-8 */
		n = utf8_length(p);
		if (!n)
			break;
	}
	if (!*p)
		return json_object_new_string(s);
	cap = 3 * strlen(s) + 1;
	buf = vr_xmalloc(cap);
	for (p = (const unsigned char *)s; *p; p += n) {
		n = utf8_length(p);
		if (n) {
			memcpy(buf + len, p, (size_t)n);
			len += (size_t)n;
		} else {
			memcpy(buf + len, replacement, 3);
			len += 3;
			n = 1;
		}
	}
	o = json_object_new_string_len(buf, (int)len);
	free(buf);
	return o;
}

/* See cli_json.h. */
json_object *cli_json_int_or_null(int64_t v)
{
	return v == VR_NO_VALUE ? NULL : json_object_new_int64(v);
}

/* See cli_json.h. */
json_object *cli_json_ints(json_object *o, const struct cli_json_int *v, size_t n)
{
	if (!o)
		o = json_object_new_object();
	for (size_t i = 0; i < n; i++)
		json_object_object_add(o, v[i].name, json_object_new_int64(v[i].value));
	return o;
}

/* See cli_json.h. */
void cli_json_add_ints(struct cli_json *j, const struct cli_json_int *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cli_json_add(j, v[i].name, json_object_new_int64(v[i].value));
}

/* See cli_json.h. */
void cli_json_add_filters(struct cli_json *j, const struct cli_filters *f, int64_t from_ns,
			  int64_t to_ns)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "vcpu", cli_json_int_or_null(f->vcpu));
	json_object_object_add(o, "intid", cli_json_int_or_null(f->intid));
	json_object_object_add(o, "from_ns", cli_json_int_or_null(from_ns));
	json_object_object_add(o, "to_ns", cli_json_int_or_null(to_ns));
	cli_json_add(j, "filters", o);
}
