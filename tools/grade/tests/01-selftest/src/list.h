// A singly linked list.
#pragma once
#include <stddef.h>

struct node {
    struct node *next;
    int value;
};

size_t list_length(const struct node *head);
struct node *list_reverse(struct node *head);
