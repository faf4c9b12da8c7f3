/*
 * sentence.h - finding sentence ends in text, shared by the indexer (the
 * lede) and the query side (snippets) so both agree on what a sentence is.
 */
#ifndef MORGUE_SENTENCE_H
#define MORGUE_SENTENCE_H

#include <stddef.h>

/* Returns the end (exclusive) of the sentence starting at start in the n
 * bytes at z: after '.', '!' or '?' (and closing quotes) followed by
 * white space, but not after an initial or a dotted acronym ("U.S.",
 * "J. Smith", "Mr."); or at a blank line; or n.  The end includes the
 * punctuation, not the space after it.  Can't fail. */
size_t sentence_end(const char *z, size_t n, size_t start);

/* Skips white space from i; returns the first other offset (or n). */
size_t sentence_skip_space(const char *z, size_t n, size_t i);

#endif
