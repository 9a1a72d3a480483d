/* ft-callback-lanes.h — callback lanes: the decisions of a run's callbacks, epoch by epoch, as events for
 * one lane per callback under the curves: EarlyStopping's best, wait / patience, the stop and the restore;
 * ReduceLROnPlateau's wait, cooldown and each learning-rate cut; ModelCheckpoint's saves, "not best" and
 * "monitor not available" saves; LearningRateScheduler's rate. Each event carries the numbers and the rule
 * that fired. Recorded on the training thread by an observer placed after the callbacks; readable from
 * any thread. */
#pragma once

#include "train/ft-callbacks.h"

typedef struct
{
  int lane;              /* index of the callback in the list the observer watches */
  bool train_end;        /* the decision was made at train end (EarlyStopping's restore) */
  FtCallbackState state; /* state.epoch, state.decision, the numbers, state.rule */
} FtLaneEvent;

typedef struct FtCallbackLanes FtCallbackLanes;

FtCallbackLanes *ft_callback_lanes_new (void);
void ft_callback_lanes_free (FtCallbackLanes *lanes);
/* An observer of callbacks (a GPtrArray of FtCallback*, referenced; callbacks without a state, such as the
 * progress bar, get no lane). */
FtCallback *ft_callback_lanes_observer_new (FtCallbackLanes *lanes, GPtrArray *callbacks);

int ft_callback_lanes_n_lanes (FtCallbackLanes *lanes);
FtCallbackKind ft_callback_lanes_kind (FtCallbackLanes *lanes, int lane);
int ft_callback_lanes_n_events (FtCallbackLanes *lanes);
bool ft_callback_lanes_event (FtCallbackLanes *lanes, int i, FtLaneEvent *event);
