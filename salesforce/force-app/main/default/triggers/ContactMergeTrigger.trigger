/** Contact merges to the connector: one Contact_Merged__e per loser (RecordMergePublisher). */
trigger ContactMergeTrigger on Contact (after delete) {
    RecordMergePublisher.publishMerges('Contact', Trigger.old);
}
