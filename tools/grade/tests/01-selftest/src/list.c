// A singly linked list.
#include "list.h"

size_t list_length(const struct node *head)
{
    size_t n = 0;
    // exercise: 1.3 begin
    for (; head; head = head->next)
        n++;
    // exercise: 1.3 end
    return n;
}

struct node *list_reverse(struct node *head)
{
    struct node *prev = NULL;
    // exercise: 1.3 begin
    while (head) {
        struct node *next = head->next;
        head->next = prev;
        prev = head;
        head = next;
    }
    // exercise: 1.3 end
    return prev;
}
