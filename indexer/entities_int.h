/*
 * entities_int.h - private to indexer/entities.c and indexer/merge.c:
 * what the index-wide merge of family names shares with the extraction.
 */
#ifndef MORGUE_ENTITIES_INT_H
#define MORGUE_ENTITIES_INT_H

/* The family name of a full person name (caller frees): the first word
 * of an East Asian three-part name ("Moon Jae-in"), else the last word;
 * a name of one word is its own. */
char *ent_surname(const char *full);

#endif
