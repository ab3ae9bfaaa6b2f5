from django.shortcuts import render

from .models import Author, Post


def front_page(request):
    posts = Post.objects.filter(published_at__isnull=False).order_by("-published_at")[:30]
    cards = []
    for post in posts:
        cards.append(
            {
                "title": post.title,
                "byline": post.author.display_name,
                "tags": [tag.slug for tag in post.tags.all()],
                "approved": post.comments.filter(approved=True).count(),
            }
        )
    return render(request, "blog/front_page.html", {"cards": cards})


def authors(request):
    # Already optimised and bounded: no finding here.
    rows = Author.objects.prefetch_related("posts").order_by("display_name")[:50]
    return render(request, "blog/authors.html", {"rows": [(a, a.posts.count()) for a in rows]})


def archive(request):
    # The template reads each post's author: a query per row unless the view fetches it.
    posts = Post.objects.order_by("-published_at")
    return render(request, "blog/archive.html", {"posts": posts})
