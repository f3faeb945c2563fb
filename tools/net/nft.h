/* SPDX-License-Identifier: MIT */
/*
 * vmsilo's nftables state, built with libnftnl and sent in netlink batches.
 * Everything lives in `table inet vmsilo`; each VM routed by the host owns
 * three base chains of its own, so `down` removes exactly that VM's rules:
 *
 *   chain fwd-<tap>  (filter, forward)     established/related to and from the VM: accept;
 *                                          new connections towards the VM: drop;
 *                                          from the VM: accept
 *   chain in-<tap>   (filter, input)       from the VM: established/related accept, else drop
 *   chain nat-<tap>  (nat, postrouting)    from the VM's /31 out of anything but lo: masquerade
 *
 * The guest-router rules (inside a netvm guest) live in `table inet vmsilo-router`.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NFT_TABLE "vmsilo"
#define NFT_ROUTER_TABLE "vmsilo-router"
#define NFT_BATCH_MAX (256u * 1024u)

struct nft_batch;

/* A batch under construction; rules are appended in order. */
struct nft_batch *nft_batch_new(void);
void nft_batch_free(struct nft_batch *b);
size_t nft_batch_messages(const struct nft_batch *b);
/* The rules added so far, one per line in libnftnl's text form (for tests and --dry-run). */
const char *nft_batch_rules_text(const struct nft_batch *b);

/* The host's rules for a VM whose TAP `tap` carries the /31 starting at subnet. */
int nft_add_host_link(struct nft_batch *b, const char *tap, uint32_t subnet);
/* Removing them (flush + delete of the three chains). */
int nft_del_host_link(struct nft_batch *b, const char *tap);
/* Router rules: masquerade for clients, clients isolated from each other. */
int nft_add_guest_router(struct nft_batch *b, const char *const *clients, size_t n);
int nft_add_table(struct nft_batch *b, const char *table);
int nft_del_table(struct nft_batch *b, const char *table);

/* Sends the batch and waits for every acknowledgement. -errno of the first failure. */
int nft_commit(struct nft_batch *b);
/* Keep the netlink socket of successful commits open until nft_hold(false). */
void nft_hold(bool on);
/* Names of the chains of a table (an empty list if the table does not exist). */
int nft_list_chains(const char *table, char ***names, size_t *n);
/* Name of a VM chain: "<kind>-<tap>" (kind: fwd, in, nat). */
void nft_chain_name(char out[32], const char *kind, const char *tap);
