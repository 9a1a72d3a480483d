/* ft-verdict-bar.c — Compare mode's verdict (see ft-verdict-bar.h): a label styled "verdict" with the
 * statement in words, an icon that says the same without colour. */
#include "views/ft-verdict-bar.h"

struct _FtVerdictBar
{
  GtkWidget parent_instance;
  GtkWidget *box;
  GtkWidget *icon;
  GtkWidget *label;
  bool parted;
  int epoch, batch;
};

G_DEFINE_FINAL_TYPE (FtVerdictBar, ft_verdict_bar, GTK_TYPE_WIDGET)

static void
ft_verdict_bar_init (FtVerdictBar *self)
{
  self->box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
  self->icon = gtk_image_new ();
  gtk_image_set_icon_size (GTK_IMAGE (self->icon), GTK_ICON_SIZE_LARGE);
  gtk_box_append (GTK_BOX (self->box), self->icon);
  self->label = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->label), 0);
  gtk_widget_set_hexpand (self->label, TRUE);
  gtk_box_append (GTK_BOX (self->box), self->label);
  gtk_widget_add_css_class (GTK_WIDGET (self), "verdict");
  ft_verdict_bar_reset (self);
}

static void
ft_verdict_bar_dispose (GObject *object)
{
  FtVerdictBar *self = FT_VERDICT_BAR (object);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  G_OBJECT_CLASS (ft_verdict_bar_parent_class)->dispose (object);
}

static void
ft_verdict_bar_class_init (FtVerdictBarClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ft_verdict_bar_dispose;
  gtk_widget_class_set_layout_manager_type (GTK_WIDGET_CLASS (klass), GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "ftverdictbar");
  gtk_widget_class_set_accessible_role (GTK_WIDGET_CLASS (klass), GTK_ACCESSIBLE_ROLE_STATUS);
}

GtkWidget *
ft_verdict_bar_new (void)
{
  return g_object_new (FT_TYPE_VERDICT_BAR, NULL);
}

static void
show (FtVerdictBar *self, const char *text, const char *icon, const char *style)
{
  gtk_label_set_text (GTK_LABEL (self->label), text);
  gtk_image_set_from_icon_name (GTK_IMAGE (self->icon), icon);
  gtk_widget_set_visible (self->icon, icon != NULL);
  const char *styles[] = { "identical", "parted", "pending" };
  for (unsigned i = 0; i < G_N_ELEMENTS (styles); i++)
    if (g_strcmp0 (styles[i], style) == 0)
      gtk_widget_add_css_class (GTK_WIDGET (self), styles[i]);
    else
      gtk_widget_remove_css_class (GTK_WIDGET (self), styles[i]);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
}

void
ft_verdict_bar_reset (FtVerdictBar *self)
{
  g_return_if_fail (FT_IS_VERDICT_BAR (self));
  self->parted = false;
  self->epoch = self->batch = 0;
  show (self, "Train to compare fit() and the tape loop step by step", NULL, "pending");
}

void
ft_verdict_bar_set_divergence (FtVerdictBar *self, const FtDivergence *d)
{
  g_return_if_fail (FT_IS_VERDICT_BAR (self));
  g_return_if_fail (d != NULL);
  self->parted = d->diverged;
  self->epoch = d->epoch;
  self->batch = d->batch;
  char *text = ft_divergence_headline (d);
  char *full = ft_divergence_describe (d);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), d->diverged ? full : NULL);
  g_free (full);
  if (d->diverged)
    show (self, text, "dialog-warning-symbolic", "parted");
  else if (d->steps_compared == 0)
    show (self, "fit() and the tape loop: training…", NULL, "pending");
  else
    show (self, text, "emblem-ok-symbolic", "identical");
  g_free (text);
}

const char *
ft_verdict_bar_get_text (FtVerdictBar *self)
{
  g_return_val_if_fail (FT_IS_VERDICT_BAR (self), NULL);
  return gtk_label_get_text (GTK_LABEL (self->label));
}

bool
ft_verdict_bar_get_parted (FtVerdictBar *self, int *epoch, int *batch)
{
  g_return_val_if_fail (FT_IS_VERDICT_BAR (self), false);
  if (epoch)
    *epoch = self->epoch;
  if (batch)
    *batch = self->batch;
  return self->parted;
}
