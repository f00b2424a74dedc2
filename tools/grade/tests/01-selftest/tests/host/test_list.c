// Host tests for list.c
#include <criterion/criterion.h>
#include <stdlib.h>

#include "list.h"
#include "testing.h"

TestSuite(list, .timeout = 10);

static struct node nodes[100];

static struct node *make(unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        nodes[i].value = (int)i;
        nodes[i].next = i + 1 < n ? &nodes[i + 1] : NULL;
    }
    return n ? &nodes[0] : NULL;
}

Test(list, length)
{
    unsigned n = (unsigned)test_random_range(0, 100);
    size_t got = list_length(make(n));
    cr_assert_eq(got, n, "list_length of a %u-node list: got %zu", n, got);
}

Test(list, reverse)
{
    unsigned n = (unsigned)test_random_range(1, 100);
    struct node *r = list_reverse(make(n));
    for (unsigned i = 0; i < n; i++, r = r->next)
        cr_assert(r && r->value == (int)(n - 1 - i),
                  "list_reverse of a %u-node list: node %u is %d, expected %u", n, i,
                  r ? r->value : -1, n - 1 - i);
    cr_assert_null(r, "list_reverse of a %u-node list: more than %u nodes", n, n);
}
